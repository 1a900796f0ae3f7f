import type { EntityManager } from '@mikro-orm/postgresql';
import { applyOrder, type AppliedOrder } from './apply-order.js';
import type { CatalogCache } from './catalog-store.js';
import { PlayerInventory } from './inventory.js';
import {
  loadInventory,
  loadQueuedOrders,
  lockPlayer,
  saveInventory,
  saveNextLegacyInventoryId,
  saveOrderOutcomes,
} from './player-store.js';

export interface ProcessOptions {
  catalogCache: CatalogCache;
  /** Most orders applied in one transaction. */
  batchSize: number;
  /** Longest wait for the player's row lock; past it the attempt fails and is retried. */
  lockTimeoutMs: number;
  now?: () => Date;
}

export interface ProcessedOrder {
  orderId: string;
  playerUuid: string;
  status: AppliedOrder['status'];
  unexpectedErrors: AppliedOrder['unexpectedErrors'];
}

/**
 * Applies a player's queued orders, oldest first, in one transaction under the player's row lock:
 * inventory changes, results and final statuses commit together or not at all. However often this
 * runs for the same orders, each is applied once: an order no longer `queued` is never loaded again.
 */
export async function processPlayerOrders(
  em: EntityManager,
  playerUuid: string,
  options: ProcessOptions,
): Promise<ProcessedOrder[]> {
  return em.transactional(async (tx) => {
    await tx.execute(`set local lock_timeout = ${Math.trunc(options.lockTimeoutMs)}`);
    const player = await lockPlayer(tx, playerUuid);
    const orders = await loadQueuedOrders(tx, playerUuid, options.batchSize);
    if (orders.length === 0) return [];

    const records = await loadInventory(tx, playerUuid);
    const catalog = await options.catalogCache.get(tx);
    const now = options.now?.() ?? new Date();
    const inventory = new PlayerInventory(playerUuid, records, player.nextLegacyInventoryId, now, catalog);
    const applied = orders.map((order) => ({ order, ...applyOrder(order, catalog, inventory, now) }));

    await saveInventory(tx, playerUuid, inventory.diff());
    if (inventory.legacyIdsAdvanced)
      await saveNextLegacyInventoryId(tx, playerUuid, inventory.nextLegacyInventoryId);
    await saveOrderOutcomes(
      tx,
      applied.map(({ order, status, entries }) => ({ order_id: order.order_id, status, entries })),
    );
    return applied.map(({ order, status, unexpectedErrors }) => ({
      orderId: order.order_id,
      playerUuid,
      status,
      unexpectedErrors,
    }));
  });
}
