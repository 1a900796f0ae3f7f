import type { EntityManager } from '@mikro-orm/postgresql';
import { applyOrder, type AppliedOrder } from '../domain/apply-order.js';
import type { CatalogCache } from './catalog-store.js';
import { PlayerInventory } from '../domain/inventory.js';
import { loadClaims, saveClaims } from './claims-store.js';
import {
  loadPlayerState,
  lockPlayer,
  savePlayerState,
  type PlayerCounters,
  type PlayerState,
} from './player-store.js';

export interface ApplyOptions {
  catalogCache: CatalogCache;
  /** Most orders applied in one transaction. */
  batchSize: number;
  /** The promotion brute-force guard: failed codes allowed per player within the window. */
  promotionFailureLimit: number;
  promotionFailureWindowSeconds: number;
  now?: () => Date;
}

export interface FinishedOrder {
  orderId: string;
  playerUuid: string;
  status: AppliedOrder['status'];
  appliedSeq: number;
  unexpectedErrors: AppliedOrder['unexpectedErrors'];
  /** Each entry's type and result, as stored. */
  entries: AppliedOrder['entries'];
  /** completed_time − created_time, by the database's clock. */
  acceptToFinalMs: number;
}

/**
 * A batch that failed once its orders were loaded (a write the database refused, say): which orders
 * it was applying, so that the worker gives up only on an order that fails alone. `cause` is the error.
 */
export class BatchFailedError extends Error {
  constructor(
    readonly orderIds: string[],
    cause: unknown,
  ) {
    super(`applying orders ${orderIds.join(', ')} failed`, { cause });
    this.name = 'BatchFailedError';
  }
}

/**
 * Applies a player's queued orders, oldest first, in one transaction under the player's row lock:
 * inventory changes, results and final statuses commit together or not at all. However often this
 * runs for the same orders, each is applied once: an order no longer `queued` is never loaded again.
 */
export async function applyQueuedOrders(
  em: EntityManager,
  playerUuid: string,
  options: ApplyOptions,
): Promise<FinishedOrder[]> {
  return em.transactional(async (tx) => {
    const player = await lockPlayer(tx, playerUuid);
    const state = await loadPlayerState(tx, playerUuid, options.batchSize);
    if (state.orders.length === 0) return [];
    return applyBatch(tx, playerUuid, player, state, options).catch((error: unknown) => {
      throw new BatchFailedError(
        state.orders.map((order) => order.order_id),
        error,
      );
    });
  });
}

async function applyBatch(
  tx: EntityManager,
  playerUuid: string,
  player: PlayerCounters,
  { orders, records, catalogRevision }: PlayerState,
  options: ApplyOptions,
): Promise<FinishedOrder[]> {
  const catalog = await options.catalogCache.atRevision(tx, catalogRevision);
  const claims = await loadClaims(tx, playerUuid, orders, options.promotionFailureWindowSeconds);
  const now = options.now?.() ?? new Date();
  const inventory = new PlayerInventory(playerUuid, records, player.nextLegacyInventoryId, now, catalog);
  const session = { catalog, inventory, claims, now, promotionFailureLimit: options.promotionFailureLimit };
  const applied = orders.map((order) => ({ order, ...applyOrder(order, session) }));

  const claimChanges = claims.changes();
  if (claimChanges) await saveClaims(tx, playerUuid, claimChanges);
  const acceptToFinalMs = await savePlayerState(tx, playerUuid, {
    inventory: inventory.diff(),
    nextLegacyInventoryId: inventory.legacyIdsAdvanced ? inventory.nextLegacyInventoryId : null,
    nextAppliedSeq: player.nextAppliedSeq + applied.length,
    // They take effect in the order they were applied, which is the player's effect order.
    outcomes: applied.map(({ order, status, entries }, index) => ({
      order_id: order.order_id,
      status,
      applied_seq: player.nextAppliedSeq + index,
      entries,
    })),
  });
  return applied.map(({ order, status, entries, unexpectedErrors }, index) => ({
    orderId: order.order_id,
    playerUuid,
    status,
    appliedSeq: player.nextAppliedSeq + index,
    unexpectedErrors,
    entries,
    acceptToFinalMs: acceptToFinalMs.get(order.order_id) ?? 0,
  }));
}
