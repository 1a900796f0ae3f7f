import type { EntityManager } from '@mikro-orm/postgresql';
import { platformEventOf, type HistoryChangeView, type HistoryPage } from '../domain/history.js';
import type { InventoryRecordView } from '../domain/details.js';
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

type ChangeRow = Omit<
  HistoryChangeView,
  'seq' | 'applied_seq' | 'applied_time' | 'platform_event' | 'inventory_id' | 'before' | 'after'
> & {
  seq: string;
  applied_seq: string;
  applied_time: Date | string;
  before: InventoryRecordView | null;
  after: InventoryRecordView | null;
};

/**
 * A player's changes in the order they took effect (or the reverse), through the (player_uuid, seq)
 * key: however long other players' histories, only this player's rows are read, and the orders
 * they point at by key, for the entry and the record before and after.
 */
export async function readChanges(em: EntityManager, query: ChangesQuery): Promise<HistoryChangeView[]> {
  const conditions = ['c.player_uuid = ?'];
  const params: unknown[] = [query.playerUuid];
  const filter = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  if (query.fromSeq !== undefined) filter(query.descending ? 'c.seq <= ?' : 'c.seq >= ?', query.fromSeq);
  if (query.since) filter('c.applied_time >= ?', query.since);
  if (query.itemId !== undefined) filter('c.item_id = ?', query.itemId);
  if (query.collectionId !== undefined) filter('c.collection_id = ?', query.collectionId);
  const rows = await runSql<ChangeRow[]>(
    em,
    `select c.seq, c.applied_time, c.order_id, c.order_player_uuid, o.applied_seq, c.entry_index,
            e.entry->>'entry_id' as entry_id, e.entry->>'type' as entry_type,
            e.entry->>'external_tran_id' as external_tran_id, o.source, o.origin, c.counterparty_uuid,
            c.item_id, c.collection_id,
            nullif(e.entry->'details'->c.detail_index->'inv_change'->'before', 'null') as before,
            nullif(e.entry->'details'->c.detail_index->'inv_change'->'after', 'null') as after
       from (select * from inventory_change c where ${conditions.join(' and ')}
              order by c.seq ${query.descending ? 'desc' : 'asc'} limit ?) c
       join player_order o on o.order_id = c.order_id
      cross join lateral (select o.entries->c.entry_index as entry) e
      order by c.seq ${query.descending ? 'desc' : 'asc'}`,
    [...params, query.limit],
  );
  return rows.map(({ before, after, ...row }) => ({
    seq: Number(row.seq),
    applied_time: isoTime(row.applied_time),
    order_id: row.order_id,
    order_player_uuid: row.order_player_uuid,
    applied_seq: Number(row.applied_seq),
    entry_index: row.entry_index,
    entry_id: row.entry_id,
    entry_type: row.entry_type,
    external_tran_id: row.external_tran_id,
    source: row.source,
    origin: row.origin,
    platform_event: platformEventOf(row.order_id),
    counterparty_uuid: row.counterparty_uuid,
    inventory_id: (after ?? before)!.inventory_id,
    item_id: row.item_id,
    collection_id: row.collection_id,
    before,
    after,
  }));
}

export const HISTORY_CURSOR = /^\d{1,18}$/;

/** One page of a player's history, oldest first; the cursor is the seq of the last change shown. */
export async function readHistory(
  em: EntityManager,
  query: Omit<ChangesQuery, 'fromSeq' | 'descending'> & { cursor?: string },
): Promise<HistoryPage> {
  const changes = await readChanges(em, {
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
