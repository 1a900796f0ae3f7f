import type { EntityManager } from '@mikro-orm/postgresql';
import { changesOf, platformEventOf, type HistoryChangeView, type HistoryPage } from '../domain/history.js';
import type { PlayerOrderView } from '../domain/order.js';
import { findOrders } from './order-store.js';
import { isoTime } from '../domain/schema-types.js';
import { runSql } from './sql.js';

export interface ChangesQuery {
  playerUuid: string;
  /** The first seq to read (inclusive), in the direction read; from the start (or end) when absent. */
  fromSeq?: number;
  descending?: boolean;
  limit: number;
  /** Only changes that took effect at or after this time. */
  since?: Date;
  itemId?: number;
  collectionId?: string;
}

type HistoryRowRead = {
  seq: string;
  changes: number;
  applied_time: Date | string;
  order_id: string;
  /** The order's player: the row's own, or a transfer's giver's. */
  order_player_uuid: string;
};

/** Rows read at a time while a page of changes fills (each row is at least one change). */
const ROWS_READ = 100;

/**
 * A player's changes in the order they took effect (or the reverse), through the (player_uuid, seq)
 * key: however long other players' histories, only this player's rows are read, and the orders
 * they point at by key. Each row's changes are worked out again from its order's details
 * (changesOf): the player's own, numbered from the row's seq.
 */
export async function readChanges(
  em: EntityManager,
  query: ChangesQuery,
): Promise<{ changes: HistoryChangeView[]; orders: Map<string, PlayerOrderView> }> {
  const { playerUuid, descending = false } = query;
  const found: HistoryChangeView[] = [];
  // The orders read, by id: a caller that shows more of them (PlayFab's purchase details) reads none again.
  const ordersRead = new Map<string, PlayerOrderView>();
  const wanted = (change: HistoryChangeView) =>
    (query.fromSeq === undefined ||
      (descending ? change.seq <= query.fromSeq : change.seq >= query.fromSeq)) &&
    (query.itemId === undefined || change.item_id === query.itemId) &&
    (query.collectionId === undefined || change.collection_id === query.collectionId);
  let from = query.fromSeq;
  for (;;) {
    const rows = await readRows(em, { ...query, fromSeq: from }, ROWS_READ);
    const orders = await findOrders(
      em,
      rows.map((row) => ({ player_uuid: row.order_player_uuid, order_id: row.order_id })),
    );
    for (const [orderId, order] of orders) ordersRead.set(orderId, order);
    for (const row of rows) {
      const order = orders.get(row.order_id)!;
      const own = changesOf(order, order.entries, order.applied_seq!).filter(
        (change) => change.player_uuid === playerUuid,
      );
      const changes = own.map((change, index): HistoryChangeView => ({
        seq: Number(row.seq) + index,
        applied_time: isoTime(row.applied_time),
        order_id: change.order_id,
        order_player_uuid: change.order_player_uuid,
        applied_seq: change.applied_seq,
        entry_index: change.entry_index,
        entry_id: change.entry_id,
        entry_type: change.entry_type,
        external_tran_id: change.external_tran_id,
        source: change.source,
        origin: change.origin,
        platform_event: platformEventOf(change.order_id),
        counterparty_uuid: change.counterparty_uuid,
        inventory_id: change.inventory_id,
        item_id: change.item_id,
        collection_id: change.collection_id,
        before: change.before,
        after: change.after,
      }));
      found.push(...(descending ? changes.reverse() : changes).filter(wanted));
    }
    if (found.length >= query.limit || rows.length < ROWS_READ) {
      return { changes: found.slice(0, query.limit), orders: ordersRead };
    }
    const last = rows[rows.length - 1]!;
    from = descending ? Number(last.seq) - 1 : Number(last.seq) + last.changes;
  }
}

/** The rows that hold the changes from `fromSeq` on (or back), filtered by what they touch. */
async function readRows(em: EntityManager, query: ChangesQuery, limit: number): Promise<HistoryRowRead[]> {
  const conditions = ['player_uuid = ?'];
  const params: unknown[] = [query.playerUuid];
  const filter = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  if (query.fromSeq !== undefined) {
    if (query.descending) filter('seq <= ?', query.fromSeq);
    // The row holding change `fromSeq` starts at or before it: from the last row that does.
    else
      filter(
        `seq >= coalesce((select max(seq) from inventory_change where player_uuid = ? and seq <= ?), 0)`,
        query.playerUuid,
        query.fromSeq,
      );
  }
  if (query.since) filter('applied_time >= ?', query.since);
  if (query.itemId !== undefined) filter('item_ids @> to_jsonb(?::int)', query.itemId);
  if (query.collectionId !== undefined) filter('collection_ids @> to_jsonb(?::text)', query.collectionId);
  return runSql<HistoryRowRead[]>(
    em,
    `select seq, changes, applied_time, order_id, order_player_uuid from inventory_change
      where ${conditions.join(' and ')}
      order by seq ${query.descending ? 'desc' : 'asc'} limit ?`,
    [...params, limit],
  );
}

export const HISTORY_CURSOR = /^\d{1,18}$/;

/** One page of a player's history, oldest first; the cursor is the seq of the last change shown. */
export async function readHistory(
  em: EntityManager,
  query: Omit<ChangesQuery, 'fromSeq' | 'descending'> & { cursor?: string },
): Promise<HistoryPage> {
  const { changes } = await readChanges(em, {
    ...query,
    fromSeq: query.cursor === undefined ? undefined : Number(query.cursor) + 1,
    limit: query.limit + 1,
  });
  const page = changes.slice(0, query.limit);
  return {
    history: page,
    next_cursor: changes.length > query.limit ? String(page[page.length - 1]!.seq) : null,
  };
}
