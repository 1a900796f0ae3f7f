import type { EntityManager } from '@mikro-orm/postgresql';
import { grantBucket } from '../domain/buckets.js';
import type { PlayerOrderView } from '../domain/order.js';
import { findOrders } from './order-store.js';
import { runSql } from './sql.js';

export interface PlatformTransaction {
  bucket: string;
  externalTranId: string;
}

/** The platform transactions an order fulfilled: its fill_entitled_loot entries that took effect. */
export function transactionsFulfilledBy(order: PlayerOrderView): PlatformTransaction[] {
  return order.entries
    .filter(
      (entry) => entry.type === 'fill_entitled_loot' && entry.result === 'success' && entry.external_tran_id,
    )
    .map((entry) => ({
      bucket: grantBucket(order.source, entry.use_inventory_bucket),
      externalTranId: entry.external_tran_id!,
    }));
}

/**
 * Marks a platform transaction revoked, so that it can never be fulfilled, whether or not it was
 * (its fulfilled key is taken either way: a fill of it is `permission_denied`). Answers the player
 * whose orders may have fulfilled it: who did, or else the player the platform named.
 */
export async function revokeTransaction(
  em: EntityManager,
  transaction: PlatformTransaction,
  playerUuid: string,
): Promise<{ playerUuid: string }> {
  const [row] = await runSql<{ player_uuid: string }[]>(
    em,
    `insert into fulfilled_entitlement (bucket, external_tran_id, player_uuid, revoked_at)
     values (?, ?, ?, clock_timestamp())
     on conflict (bucket, external_tran_id) do update
        set revoked_at = coalesce(fulfilled_entitlement.revoked_at, excluded.revoked_at)
     returning player_uuid`,
    [transaction.bucket, transaction.externalTranId, playerUuid],
  );
  return { playerUuid: row!.player_uuid };
}

/** The order that fulfilled a platform transaction: found among its player's orders only. */
export async function findFulfillingOrder(
  em: EntityManager,
  playerUuid: string,
  transaction: PlatformTransaction,
): Promise<PlayerOrderView | null> {
  const rows = await runSql<{ order_id: string }[]>(
    em,
    `select order_id from player_order
      where player_uuid = ? and applied_seq is not null and entries @> ?::jsonb`,
    [
      playerUuid,
      JSON.stringify([
        { type: 'fill_entitled_loot', external_tran_id: transaction.externalTranId, result: 'success' },
      ]),
    ],
  );
  const orders = await findOrders(
    em,
    rows.map((row) => ({ player_uuid: playerUuid, order_id: row.order_id })),
  );
  return (
    [...orders.values()].find((order) =>
      transactionsFulfilledBy(order).some(
        (done) => done.bucket === transaction.bucket && done.externalTranId === transaction.externalTranId,
      ),
    ) ?? null
  );
}
