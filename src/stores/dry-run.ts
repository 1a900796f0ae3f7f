import type { EntityManager } from '@mikro-orm/postgresql';
import { applyPlayerBatches, type PlayerBatch } from '../domain/apply-group.js';
import { counterpartiesOf, type AppliedOrder } from '../domain/apply-order.js';
import type { QueuedOrder } from '../domain/order.js';
import type { CatalogCache } from './catalog-store.js';
import { loadGroupClaims } from './claims-store.js';
import { FIRST_COUNTERS, loadRecords, readCounters } from './player-store.js';
import { runSql } from './sql.js';

export interface DryRunOptions {
  catalogCache: CatalogCache;
  promotionFailureLimit: number;
  promotionFailureWindowSeconds: number;
}

/**
 * What an order would do against its player's inventory as it is now: the engine runs it on what
 * a group would load, in a read-only transaction, and nothing is written (PostgreSQL refuses any
 * write in it). Orders still queued for the player are not applied first: the answer is about the
 * inventory as it stands.
 */
export async function dryRunOrder(
  em: EntityManager,
  order: QueuedOrder,
  options: DryRunOptions,
): Promise<AppliedOrder> {
  return em.transactional(async (tx) => {
    await runSql(tx, 'set transaction read only');
    const players = [order.player_uuid, ...counterpartiesOf(order)];
    const counters = await readCounters(tx, players);
    const records = await loadRecords(tx, players);
    const batches: PlayerBatch[] = players.map((playerUuid) => ({
      playerUuid,
      counters: counters.get(playerUuid) ?? FIRST_COUNTERS,
      orders: playerUuid === order.player_uuid ? [order] : [],
      records: records.get(playerUuid) ?? [],
    }));
    const catalog = await options.catalogCache.get(tx);
    const claims = await loadGroupClaims(tx, batches, options.promotionFailureWindowSeconds, false);
    const [applied] = applyPlayerBatches(batches, {
      catalog,
      claims,
      now: new Date(),
      promotionFailureLimit: options.promotionFailureLimit,
    });
    return applied!.applied[0]!;
  });
}
