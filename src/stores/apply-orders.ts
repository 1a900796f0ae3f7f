import type { EntityManager } from '@mikro-orm/postgresql';
import { applyPlayerBatches, type PlayerBatch, type PlayerCounters } from '../domain/apply-group.js';
import { counterpartiesOf, type AppliedOrder } from '../domain/apply-order.js';
import { promotionsPastMaxUses } from '../domain/claims.js';
import type { CatalogCache } from './catalog-store.js';
import { loadGroupClaims, saveGroupClaims } from './claims-store.js';
import {
  loadGroupState,
  loadRecords,
  lockPlayers,
  saveGroupState,
  type EventStream,
  type GroupState,
} from './player-store.js';

export interface ApplyOptions {
  catalogCache: CatalogCache;
  /** Most orders applied in one transaction, of one player or of all the group's together. */
  maxOrders: number;
  /** The promotion brute-force guard: failed codes allowed per player within the window. */
  promotionFailureLimit: number;
  promotionFailureWindowSeconds: number;
  now?: () => Date;
}

/** A job's part of a group: its player, and at most how many of the player's orders to apply. */
export interface GroupRequest {
  playerUuid: string;
  maxOrders: number;
}

/**
 * Where a request stands once its group committed: `done`, its player has no order left waiting;
 * `more`, its player's queue may be longer than this group could take; `skipped`, another
 * transaction held its player.
 */
export type RequestOutcome = 'done' | 'more' | 'skipped';

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

export interface GroupResult {
  /** Every order the group made final, each once. */
  finished: FinishedOrder[];
  /** The event streams the group added events to: each needs a delivery job, now it committed. */
  eventStreams: EventStream[];
  /** One per request, in the order given. */
  outcomes: RequestOutcome[];
}

/**
 * A group that failed once its orders were loaded (a write the database refused, say): which orders
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

/** Another group raised a promotion's count past its max_uses since this group read it. */
class PromotionUsesRaced extends Error {
  constructor(codes: string[]) {
    super(`promotion uses raced: ${codes.join(', ')}`);
    this.name = 'PromotionUsesRaced';
  }
}

/**
 * Applies the queued orders of every player the requests name, each player's oldest first, in one
 * transaction: the players' row locks, one load, the engine in memory, one write-back, one commit.
 * Inventory changes, results and final statuses commit together or not at all. However often this
 * runs for the same orders, each is applied once: an order no longer `queued` is never loaded again.
 *
 * Promotion counts are read unlocked (see loadGroupClaims); in the rare group that finds one raised
 * past its max_uses by another group meanwhile, the transaction rolls back and the group runs again
 * with the counts locked, so no code is ever redeemed more than its max_uses.
 */
export async function applyOrderGroup(
  em: EntityManager,
  requests: GroupRequest[],
  options: ApplyOptions,
): Promise<GroupResult> {
  try {
    return await applyGroupOnce(em, requests, options, false);
  } catch (error) {
    if (!(error instanceof PromotionUsesRaced)) throw error;
    return applyGroupOnce(em, requests, options, true);
  }
}

async function applyGroupOnce(
  em: EntityManager,
  requests: GroupRequest[],
  options: ApplyOptions,
  lockPromotions: boolean,
): Promise<GroupResult> {
  return em.transactional(async (tx) => {
    const held = await lockPlayers(
      tx,
      requests.map((request) => request.playerUuid),
    );
    // A player asked for twice (two of their jobs in one group) takes the smaller share.
    const maxOrdersOf = new Map<string, number>();
    for (const { playerUuid, maxOrders } of requests) {
      if (held.has(playerUuid)) {
        maxOrdersOf.set(playerUuid, Math.min(maxOrders, maxOrdersOf.get(playerUuid) ?? maxOrders));
      }
    }
    const players = [...maxOrdersOf]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([playerUuid, maxOrders]) => ({ playerUuid, maxOrders, counters: held.get(playerUuid)! }));
    const loadedState = await loadGroupState(tx, players, options.maxOrders);
    const { state, heldBack } = await joinCounterparties(tx, loadedState, held);
    const loaded = state.batches.flatMap((batch) => batch.orders.map((order) => order.order_id));
    const { finished, eventStreams } =
      loaded.length === 0
        ? { finished: [], eventStreams: [] }
        : await applyAndSave(tx, state, options, lockPromotions).catch((error: unknown) => {
            throw error instanceof PromotionUsesRaced ? error : new BatchFailedError(loaded, error);
          });
    // A player's queue is known to be empty when fewer orders came than either limit allowed.
    // Counted as loaded, before any player's orders were held back behind a transfer.
    const loadedCount = loadedState.batches.reduce((sum, batch) => sum + batch.orders.length, 0);
    const groupFull = loadedCount >= options.maxOrders;
    const loadedOf = new Map(state.batches.map((batch) => [batch.playerUuid, batch.orders.length]));
    const outcomes = requests.map(({ playerUuid }): RequestOutcome => {
      if (!held.has(playerUuid)) return 'skipped';
      // Orders held back behind a transfer to a player held elsewhere: ask again, as for a skip.
      if (heldBack.has(playerUuid)) return loadedOf.get(playerUuid)! > 0 ? 'more' : 'skipped';
      return groupFull || loadedOf.get(playerUuid)! >= maxOrdersOf.get(playerUuid)! ? 'more' : 'done';
    });
    return { finished, eventStreams, outcomes };
  });
}

/**
 * Brings into the group every player its orders give to (transfer_inventory_stack with
 * `to_player_uuid`): locked (a job names them with the giver, so usually they are already, taken in
 * uuid order with the rest), with their records, as batches of their own. A player's orders stop
 * before the first that gives to a player held elsewhere (`heldBack`): orders of one player take
 * effect in order, so none after it may go first.
 */
async function joinCounterparties(
  tx: EntityManager,
  state: GroupState,
  held: Map<string, PlayerCounters>,
): Promise<{ state: GroupState; heldBack: Set<string> }> {
  const heldBack = new Set<string>();
  const wanted = new Set(state.batches.flatMap((batch) => batch.orders.flatMap(counterpartiesOf)));
  if (wanted.size === 0) return { state, heldBack };
  const unlocked = [...wanted].filter((playerUuid) => !held.has(playerUuid));
  const counters = new Map(held);
  if (unlocked.length > 0)
    for (const [uuid, more] of await lockPlayers(tx, unlocked)) counters.set(uuid, more);
  const batches: PlayerBatch[] = state.batches.map((batch) => {
    const stop = batch.orders.findIndex((order) =>
      counterpartiesOf(order).some((uuid) => !counters.has(uuid)),
    );
    if (stop < 0) return batch;
    heldBack.add(batch.playerUuid);
    return { ...batch, orders: batch.orders.slice(0, stop) };
  });
  // Records are loaded with a player's orders; a receiver without orders here needs its own.
  const needed = new Set(batches.flatMap((batch) => batch.orders.flatMap(counterpartiesOf)));
  const withRecords = new Set(
    batches.filter((batch) => batch.orders.length > 0).map((batch) => batch.playerUuid),
  );
  const toLoad = [...needed].filter((playerUuid) => !withRecords.has(playerUuid)).sort();
  const records = await loadRecords(tx, toLoad);
  const receivers = toLoad.map((playerUuid): PlayerBatch => ({
    playerUuid,
    counters: counters.get(playerUuid)!,
    orders: [],
    records: records.get(playerUuid)!,
  }));
  const others = batches.filter((batch) => !toLoad.includes(batch.playerUuid));
  return { state: { ...state, batches: [...others, ...receivers] }, heldBack };
}

async function applyAndSave(
  tx: EntityManager,
  state: GroupState,
  options: ApplyOptions,
  lockPromotions: boolean,
): Promise<Omit<GroupResult, 'outcomes'>> {
  // A batch without orders is a receiver's, kept for its records; other empty ones have nothing to do.
  const receivers = new Set(state.batches.flatMap((batch) => batch.orders.flatMap(counterpartiesOf)));
  const batches = state.batches.filter((batch) => batch.orders.length > 0 || receivers.has(batch.playerUuid));
  const catalog = await options.catalogCache.atRevision(tx, state.catalogRevision);
  const claims = await loadGroupClaims(tx, batches, options.promotionFailureWindowSeconds, lockPromotions);
  const applied = applyPlayerBatches(batches, {
    catalog,
    claims,
    now: options.now?.() ?? new Date(),
    promotionFailureLimit: options.promotionFailureLimit,
  });
  const pastMaxUses = promotionsPastMaxUses(catalog, await saveGroupClaims(tx, claims));
  if (pastMaxUses.length > 0) {
    // Under the lock no other group can raise a count, so the engine itself would have to be wrong.
    if (lockPromotions) throw new Error(`promotions past max_uses: ${pastMaxUses.join(', ')}`);
    throw new PromotionUsesRaced(pastMaxUses);
  }
  const { acceptToFinalMs, eventStreams } = await saveGroupState(
    tx,
    applied.map((batch) => batch.changes),
  );
  const finished = applied.flatMap((batch) =>
    batch.applied.map(({ order, status, entries, unexpectedErrors, appliedSeq }) => ({
      orderId: order.order_id,
      playerUuid: order.player_uuid,
      status,
      appliedSeq,
      unexpectedErrors,
      entries,
      acceptToFinalMs: acceptToFinalMs.get(order.order_id) ?? 0,
    })),
  );
  return { finished, eventStreams };
}
