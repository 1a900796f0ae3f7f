import type { EntityManager } from '@mikro-orm/postgresql';
import { platformEventOf, type HistoryChangeView, type HistoryPage } from '../domain/history.js';
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

type ChangeRow = Omit<HistoryChangeView, 'seq' | 'applied_seq' | 'applied_time' | 'platform_event'> & {
  seq: string;
  applied_seq: string;
  applied_time: Date | string;
};

/**
 * A player's changes in the order they took effect (or the reverse), through the (player_uuid, seq)
 * key: however long other players' histories, only this player's rows are read.
 */
export async function readChanges(em: EntityManager, query: ChangesQuery): Promise<HistoryChangeView[]> {
  const conditions = ['player_uuid = ?'];
  const params: unknown[] = [query.playerUuid];
  const filter = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  if (query.fromSeq !== undefined) filter(query.descending ? 'seq <= ?' : 'seq >= ?', query.fromSeq);
  if (query.since) filter('applied_time >= ?', query.since);
  if (query.itemId !== undefined) filter('item_id = ?', query.itemId);
  if (query.collectionId !== undefined) filter('collection_id = ?', query.collectionId);
  const rows = await runSql<ChangeRow[]>(
    em,
    `select seq, applied_time, order_id, order_player_uuid, applied_seq, entry_index, entry_id, entry_type,
            external_tran_id, source, origin, counterparty_uuid, inventory_id, item_id, collection_id, before, after
       from inventory_change where ${conditions.join(' and ')}
      order by seq ${query.descending ? 'desc' : 'asc'} limit ?`,
    [...params, query.limit],
  );
  return rows.map((row) => ({
    ...row,
    seq: Number(row.seq),
    applied_seq: Number(row.applied_seq),
    applied_time: isoTime(row.applied_time),
    platform_event: platformEventOf(row.order_id),
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
