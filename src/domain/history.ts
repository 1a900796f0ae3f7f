import { z } from 'zod';
import { inventoryRecordSchema, type InventoryRecordView } from './details.js';
import { PLATFORM_NAMES, type QueuedOrder, type StoredEntry } from './order.js';
import { SOURCES } from './vocabulary.js';

/**
 * A player's history: every change to their inventory, one per record an entry changed, numbered
 * per player (`seq`) in the order the changes took effect. It is the audit chain from a platform
 * event or a compatible-API call, through the order and its entry, to the record before and after.
 */

/** One change, as the engine makes it (changesOf) and as a read of the history shows it. */
export interface HistoryChange {
  player_uuid: string;
  /** Its place in the player's history (1, 2, 3, ...): the order the changes took effect in. */
  seq: number;
  order_id: string;
  /** Whose order made it: the player's own, or, for a transfer received, the giver's. */
  order_player_uuid: string;
  /** The order's place in its own player's effect order. */
  applied_seq: number;
  entry_index: number;
  /** The detail of the entry that records it (before and after). */
  detail_index: number;
  entry_id: string;
  entry_type: string;
  /** The entry's platform transaction or promotion code, when it has one. */
  external_tran_id: string | null;
  source: QueuedOrder['source'];
  origin: string | null;
  /** The other player of a transfer between players: the receiver on the giver's side, and back. */
  counterparty_uuid: string | null;
  inventory_id: string;
  item_id: number;
  collection_id: string;
  before: InventoryRecordView | null;
  after: InventoryRecordView | null;
}

/**
 * What is stored of an order's changes to one player: where they start in the player's history
 * and how many they are, and what a read filters on. The changes themselves are the order's
 * details, worked out again by changesOf when read, so nothing is written twice.
 */
export interface HistoryRow {
  player_uuid: string;
  /** The seq of its first change; the others follow it, one each. */
  seq: number;
  changes: number;
  order_id: string;
  order_player_uuid: string;
  item_ids: number[];
  collection_ids: string[];
}

/**
 * Numbers an order's changes in each player's history, from `nextSeq` of each player on, and
 * answers one row per player it changed, in the order its changes took effect.
 */
export function historyRowsOf(
  changes: UnnumberedChange[],
  nextSeq: (playerUuid: string) => number,
): HistoryRow[] {
  const rows = new Map<string, HistoryRow>();
  for (const change of changes) {
    const row = rows.get(change.player_uuid) ?? {
      player_uuid: change.player_uuid,
      seq: nextSeq(change.player_uuid),
      changes: 0,
      order_id: change.order_id,
      order_player_uuid: change.order_player_uuid,
      item_ids: [],
      collection_ids: [],
    };
    row.changes++;
    if (!row.item_ids.includes(change.item_id)) row.item_ids.push(change.item_id);
    if (!row.collection_ids.includes(change.collection_id)) row.collection_ids.push(change.collection_id);
    rows.set(change.player_uuid, row);
  }
  return [...rows.values()];
}

/** A change as callers see it: as stored, with when it took effect and the platform event behind it. */
export const historyChangeSchema = z.object({
  seq: z.number().int().min(1).describe("Its place in the player's history; the cursor pages by it"),
  applied_time: z.string(),
  order_id: z.string(),
  order_player_uuid: z
    .string()
    .describe("Whose order made the change: the player's own, or the giver's for a transfer received"),
  applied_seq: z.number().int().min(1).describe("The order's place in its player's effect order"),
  entry_index: z.number().int().min(0),
  entry_id: z.string(),
  entry_type: z.string(),
  external_tran_id: z.string().nullable(),
  source: z.enum(SOURCES).nullable(),
  origin: z
    .string()
    .nullable()
    .describe('The compatible-API call behind the order (`playfab:AddInventoryItems`)'),
  platform_event: z
    .object({ platform: z.enum(PLATFORM_NAMES), event_id: z.string() })
    .nullable()
    .describe('The signed platform event the order came from, when it came from one'),
  counterparty_uuid: z.string().nullable(),
  inventory_id: z.string(),
  item_id: z.number().int(),
  collection_id: z.string(),
  before: inventoryRecordSchema.nullable(),
  after: inventoryRecordSchema.nullable(),
});
export type HistoryChangeView = z.infer<typeof historyChangeSchema>;

/** One page of a player's history, oldest first; `next_cursor` is null on the last page. */
export const historyPageSchema = z.object({
  history: z.array(historyChangeSchema),
  next_cursor: z.string().nullable(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

/** The platform event an order id carries in its namespace (`steam:<event id>`), if any. */
export function platformEventOf(orderId: string): HistoryChangeView['platform_event'] {
  const colon = orderId.indexOf(':');
  if (colon < 0) return null;
  const platform = PLATFORM_NAMES.find((name) => name === orderId.slice(0, colon));
  return platform ? { platform, event_id: orderId.slice(colon + 1) } : null;
}

/** A change of the history, before it has its number in its player's history. */
export type UnnumberedChange = Omit<HistoryChange, 'seq'>;

/**
 * What a final order changed, player by player, in the order it changed it. Only entries that took
 * effect count: a failed or rolled-back entry changed nothing. A transfer to another player details
 * the receiver's records too; those are all gains and the giver's all losses, which tells them apart.
 */
export function changesOf(
  order: QueuedOrder,
  entries: StoredEntry[],
  appliedSeq: number,
): UnnumberedChange[] {
  const changes: UnnumberedChange[] = [];
  entries.forEach((entry, entryIndex) => {
    if (entry.result !== 'success') return;
    const receiver =
      entry.type === 'transfer_inventory_stack' &&
      entry.to_player_uuid &&
      entry.to_player_uuid !== order.player_uuid
        ? entry.to_player_uuid
        : null;
    entry.details.forEach((detail, detailIndex) => {
      const change = detail.inv_change;
      const record = change?.after ?? change?.before;
      if (!change || !record) return;
      const received = receiver !== null && (change.after?.count ?? 0) >= (change.before?.count ?? 0);
      changes.push({
        player_uuid: received ? receiver : order.player_uuid,
        order_id: order.order_id,
        order_player_uuid: order.player_uuid,
        applied_seq: appliedSeq,
        entry_index: entryIndex,
        detail_index: detailIndex,
        entry_id: entry.entry_id,
        entry_type: entry.type,
        external_tran_id: entry.external_tran_id ?? null,
        source: order.source,
        origin: order.origin,
        counterparty_uuid: receiver === null ? null : received ? order.player_uuid : receiver,
        inventory_id: record.inventory_id,
        item_id: record.item_id,
        collection_id: record.collection_id,
        before: change.before,
        after: change.after,
      });
    });
  });
  return changes;
}
