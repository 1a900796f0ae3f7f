import { applyOrder, type AppliedOrder } from './apply-order.js';
import type { Catalog } from './catalog.js';
import type { GroupClaims } from './claims.js';
import type { InventoryRecordView } from './details.js';
import { changesOf, historyRowsOf, type HistoryRow } from './history.js';
import { PlayerInventory, type InventoryDiff } from './inventory.js';
import type { QueuedOrder, StoredEntry } from './order.js';
import type { OrderStatus } from './vocabulary.js';

/** The numbers a player's next records, next final order and next history change get. */
export interface PlayerCounters {
  nextLegacyInventoryId: number;
  nextAppliedSeq: number;
  nextHistorySeq: number;
}

/** One player's part of a group: their queued orders, oldest first, and what they hold. */
export interface PlayerBatch {
  playerUuid: string;
  counters: PlayerCounters;
  orders: QueuedOrder[];
  records: InventoryRecordView[];
}

export interface OrderOutcome {
  order_id: string;
  status: OrderStatus;
  /** Its place in the player's effect order. */
  applied_seq: number;
  entries: StoredEntry[];
  collection_etags: Record<string, string> | null;
  refund_of: string | null;
}

/** What a player's batch writes back. */
export interface PlayerChanges {
  playerUuid: string;
  inventory: InventoryDiff;
  /** The player's next legacy inventory id, when records were made. */
  nextLegacyInventoryId: number | null;
  /** The applied_seq the player's next final order will get. */
  nextAppliedSeq: number;
  /** The seq the player's next history change will get. */
  nextHistorySeq: number;
  outcomes: OrderOutcome[];
  /** The orders that changed the player's inventory, in the order they took effect, whoever's they are. */
  history: HistoryRow[];
}

export interface AppliedPlayerOrder extends AppliedOrder {
  order: QueuedOrder;
  appliedSeq: number;
}

export interface AppliedPlayerBatch {
  applied: AppliedPlayerOrder[];
  changes: PlayerChanges;
}

export interface GroupSession {
  catalog: Catalog;
  claims: GroupClaims;
  now: Date;
  promotionFailureLimit: number;
}

/**
 * Applies each player's orders in turn, as consecutive transactions of those players would: each
 * player's inventory is their own, and what players share (promotion uses, fulfilled platform
 * transactions) passes from one to the next through the group's claims. Orders take effect in the
 * order given, which is the player's effect order (applied_seq). A transfer to another player
 * changes that player's inventory, which must be in the group (a batch of its own, with or
 * without orders).
 */
export function applyPlayerBatches(batches: PlayerBatch[], session: GroupSession): AppliedPlayerBatch[] {
  const { catalog, now, promotionFailureLimit } = session;
  // One inventory per player, shared by the player's own orders and by transfers to them from others.
  const inventories = new Map(
    batches.map(({ playerUuid, counters, records }) => [
      playerUuid,
      new PlayerInventory(playerUuid, records, counters.nextLegacyInventoryId, now, catalog),
    ]),
  );
  const inventoryOf = (playerUuid: string) => inventories.get(playerUuid);
  // A player's changes are numbered as they happen: a transfer received from another batch falls
  // between the player's own orders where it took effect.
  const histories = new Map(batches.map(({ playerUuid }) => [playerUuid, [] as HistoryRow[]]));
  const nextHistorySeq = new Map(
    batches.map(({ playerUuid, counters }) => [playerUuid, counters.nextHistorySeq]),
  );
  const appliedOf = batches.map(({ playerUuid, counters, orders }) => {
    const inventory = inventories.get(playerUuid)!;
    const claims = session.claims.forPlayer(playerUuid);
    const playerSession = { catalog, inventory, claims, now, promotionFailureLimit, inventoryOf };
    const applied = orders.map((order, index) => {
      const appliedSeq = counters.nextAppliedSeq + index;
      const result = applyOrder(order, playerSession);
      const changes = changesOf(order, result.entries, appliedSeq);
      for (const row of historyRowsOf(changes, (player) => nextHistorySeq.get(player)!)) {
        nextHistorySeq.set(row.player_uuid, row.seq + row.changes);
        histories.get(row.player_uuid)!.push(row);
      }
      return { order, appliedSeq, ...result };
    });
    session.claims.settle(playerUuid, claims);
    return applied;
  });
  // Written back once every batch ran: a later batch's transfer may have changed an earlier player.
  return batches.map(({ playerUuid, counters }, index) => {
    const inventory = inventories.get(playerUuid)!;
    const applied = appliedOf[index]!;
    return {
      applied,
      changes: {
        playerUuid,
        inventory: inventory.diff(),
        nextLegacyInventoryId: inventory.legacyIdsAdvanced ? inventory.nextLegacyInventoryId : null,
        nextAppliedSeq: counters.nextAppliedSeq + applied.length,
        nextHistorySeq: nextHistorySeq.get(playerUuid)!,
        outcomes: applied.map(({ order, status, entries, appliedSeq, collectionEtags }) => ({
          order_id: order.order_id,
          status,
          applied_seq: appliedSeq,
          entries,
          collection_etags: collectionEtags,
          refund_of: order.refund_of,
        })),
        history: histories.get(playerUuid)!,
      },
    };
  });
}
