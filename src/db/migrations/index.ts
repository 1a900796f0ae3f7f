import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000Initial } from './Migration20261123000000Initial.js';
import { Migration20261123030000Ledger } from './Migration20261123030000Ledger.js';
import { Migration20261202000000OrderIdNamespaces } from './Migration20261202000000OrderIdNamespaces.js';
import { Migration20261202010000AppliedSeq } from './Migration20261202010000AppliedSeq.js';
import { Migration20261202020000RefScope } from './Migration20261202020000RefScope.js';
import { Migration20261202030000QueuedIndex } from './Migration20261202030000QueuedIndex.js';
import { Migration20261203000000CollectionsAndStacks } from './Migration20261203000000CollectionsAndStacks.js';
import { Migration20261203010000OrderOrigin } from './Migration20261203010000OrderOrigin.js';
import { Migration20261203020000ReleasedKeys } from './Migration20261203020000ReleasedKeys.js';
import { Migration20261203030000LootLockerSessions } from './Migration20261203030000LootLockerSessions.js';
import { Migration20261203040000LootLockerWallets } from './Migration20261203040000LootLockerWallets.js';
import { Migration20261204000000History } from './Migration20261204000000History.js';
import { Migration20261204010000Refunds } from './Migration20261204010000Refunds.js';
import { Migration20261204020000EventsOut } from './Migration20261204020000EventsOut.js';
import { Migration20261204030000SweeperRun } from './Migration20261204030000SweeperRun.js';
import { Migration20261205000000PlayerLeadingKeys } from './Migration20261205000000PlayerLeadingKeys.js';
import { Migration20261205010000OrderKeys } from './Migration20261205010000OrderKeys.js';

/** Every migration, in order. Listed by hand so nothing is discovered from the file system at run time. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000Initial', class: Migration20261123000000Initial },
  { name: 'Migration20261123030000Ledger', class: Migration20261123030000Ledger },
  { name: 'Migration20261202000000OrderIdNamespaces', class: Migration20261202000000OrderIdNamespaces },
  { name: 'Migration20261202010000AppliedSeq', class: Migration20261202010000AppliedSeq },
  { name: 'Migration20261202020000RefScope', class: Migration20261202020000RefScope },
  { name: 'Migration20261202030000QueuedIndex', class: Migration20261202030000QueuedIndex },
  {
    name: 'Migration20261203000000CollectionsAndStacks',
    class: Migration20261203000000CollectionsAndStacks,
  },
  { name: 'Migration20261203010000OrderOrigin', class: Migration20261203010000OrderOrigin },
  { name: 'Migration20261203020000ReleasedKeys', class: Migration20261203020000ReleasedKeys },
  {
    name: 'Migration20261203030000LootLockerSessions',
    class: Migration20261203030000LootLockerSessions,
  },
  { name: 'Migration20261203040000LootLockerWallets', class: Migration20261203040000LootLockerWallets },
  { name: 'Migration20261204000000History', class: Migration20261204000000History },
  { name: 'Migration20261204010000Refunds', class: Migration20261204010000Refunds },
  { name: 'Migration20261204020000EventsOut', class: Migration20261204020000EventsOut },
  { name: 'Migration20261204030000SweeperRun', class: Migration20261204030000SweeperRun },
  { name: 'Migration20261205000000PlayerLeadingKeys', class: Migration20261205000000PlayerLeadingKeys },
  { name: 'Migration20261205010000OrderKeys', class: Migration20261205010000OrderKeys },
];
