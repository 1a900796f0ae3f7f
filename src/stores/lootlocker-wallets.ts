import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isoTime } from '../domain/schema-types.js';
import { runSql } from './sql.js';

/** LootLocker wallets: one per holder, made on first use, pointing at the player whose stacks hold its balances. */

export interface Wallet {
  walletId: string;
  holderId: string;
  holderType: string;
  playerUuid: string;
  createdAt: string;
}

type WalletRow = {
  wallet_id: string;
  holder_id: string;
  holder_type: string;
  player_uuid: string;
  created_at: Date | string;
};

const walletOf = (row: WalletRow): Wallet => ({
  walletId: row.wallet_id,
  holderId: row.holder_id,
  holderType: row.holder_type,
  playerUuid: row.player_uuid,
  createdAt: isoTime(row.created_at),
});

const COLUMNS = 'wallet_id, holder_id, holder_type, player_uuid, created_at';

/** The holder's wallet, made now if it has none (two at once make one: the holder is unique). */
export async function walletOfHolder(
  em: EntityManager,
  holder: { holderId: string; holderType: string; playerUuid: string },
): Promise<Wallet> {
  const [row] = await runSql<WalletRow[]>(
    em,
    `with made as (
       insert into loot_locker_wallet (wallet_id, holder_id, holder_type, player_uuid)
       values (?, ?, ?, ?) on conflict (holder_id) do nothing returning ${COLUMNS}
     )
     select ${COLUMNS} from made
     union all
     select ${COLUMNS} from loot_locker_wallet where holder_id = ? and not exists (select 1 from made)`,
    [randomUUID(), holder.holderId, holder.holderType, holder.playerUuid, holder.holderId],
  );
  return walletOf(row!);
}

export async function findWallet(em: EntityManager, walletId: string): Promise<Wallet | null> {
  const [row] = await runSql<WalletRow[]>(
    em,
    `select ${COLUMNS} from loot_locker_wallet where wallet_id = ?`,
    [walletId],
  );
  return row ? walletOf(row) : null;
}
