import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from './sql.js';
import type { InventoryRecordView } from '../domain/details.js';
import { isoTime } from '../domain/schema-types.js';
import type { StoredEntry } from '../domain/order.js';
import type { InventoryDiff } from '../domain/inventory.js';
import { ORDER_HEADER_KEYS, type OrderHeader, type QueuedOrder } from '../domain/order.js';
import type { OrderStatus } from '../domain/vocabulary.js';

/**
 * Set-based reads and writes of one player's state. The order engine runs in memory between one
 * load and one write-back, so a batch of orders costs a handful of statements, not one per change.
 */

/**
 * The column of each record field, with its type: inventory_record's one column list, from which
 * every statement that reads or writes records takes its columns.
 */
const RECORD_COLUMN_TYPES = {
  inventory_id: 'uuid',
  type: 'text',
  legacy_inventory_id: 'bigint',
  bucket: 'text',
  count: 'int',
  acquired: 'timestamptz',
  expires: 'timestamptz',
  custom_data: 'jsonb',
  item_id: 'int',
} as const satisfies Record<keyof InventoryRecordView, string>;

const recordColumns = Object.keys(RECORD_COLUMN_TYPES) as (keyof InventoryRecordView)[];
/** `inventory_id, type, ...`, for a select or an insert. */
export const RECORD_COLUMNS = recordColumns.join(', ');
/** `inventory_id uuid, type text, ...`, the row type of a JSON document of records. */
const RECORD_ROW_TYPE = recordColumns.map((column) => `${column} ${RECORD_COLUMN_TYPES[column]}`).join(', ');

/** A record as SQL returns it: a bigint as text, timestamps as text (MikroORM keeps pg from parsing them). */
export type InventoryRow = Omit<InventoryRecordView, 'legacy_inventory_id' | 'acquired' | 'expires'> & {
  legacy_inventory_id: string | number;
  acquired: Date | string;
  expires: Date | string | null;
};

export function toInventoryRecordView(row: InventoryRow): InventoryRecordView {
  return {
    ...row,
    legacy_inventory_id: Number(row.legacy_inventory_id),
    acquired: isoTime(row.acquired),
    expires: row.expires === null ? null : isoTime(row.expires),
  };
}

/** The numbers a player's next records and next final order get. */
export interface PlayerCounters {
  nextLegacyInventoryId: number;
  nextAppliedSeq: number;
}

/**
 * Takes the player's row lock, creating the player on first use. Every change to a player's
 * inventory happens under this lock, which is what serializes their orders and prevents double spend.
 */
export async function lockPlayer(em: EntityManager, playerUuid: string): Promise<PlayerCounters> {
  type Counters = { next_legacy_inventory_id: string; next_applied_seq: string }[];
  const select =
    'select next_legacy_inventory_id, next_applied_seq from player where player_uuid = ? for update';
  let rows = await runSql<Counters>(em, select, [playerUuid]);
  if (rows.length === 0) {
    await runSql(em, 'insert into player (player_uuid) values (?) on conflict do nothing', [playerUuid]);
    rows = await runSql<Counters>(em, select, [playerUuid]);
  }
  return {
    nextLegacyInventoryId: Number(rows[0]!.next_legacy_inventory_id),
    nextAppliedSeq: Number(rows[0]!.next_applied_seq),
  };
}

interface QueuedOrderRow extends OrderHeader {
  entries: StoredEntry[];
  accept_seq: number;
}

export interface PlayerState {
  /** The player's orders still waiting, in the order the API accepted them. */
  orders: QueuedOrder[];
  records: InventoryRecordView[];
  catalogRevision: number;
}

/**
 * Everything a batch needs, in one statement (one round trip, one snapshot). Must run after
 * lockPlayer: only then can no other transaction change these orders or records underneath us.
 */
export async function loadPlayerState(
  em: EntityManager,
  playerUuid: string,
  limit: number,
): Promise<PlayerState> {
  const [row] = await runSql<
    { orders: QueuedOrderRow[]; records: InventoryRow[]; catalog_revision: number }[]
  >(
    em,
    `select
       coalesce((select json_agg(o order by o.accept_seq)
                   from (select ${ORDER_HEADER_KEYS.join(', ')}, entries, accept_seq
                           from player_order where player_uuid = ? and status = 'queued'
                          order by accept_seq limit ?) o), '[]') as orders,
       coalesce((select json_agg(r order by r.legacy_inventory_id)
                   from (select ${RECORD_COLUMNS} from inventory_record where player_uuid = ?) r), '[]') as records,
       coalesce((select revision from catalog_revision where id = 1), 0) as catalog_revision`,
    [playerUuid, limit, playerUuid],
  );
  return {
    orders: row!.orders.map(({ entries, accept_seq: _acceptSeq, ...order }) => ({
      ...order,
      entries: entries.map(({ result: _result, details: _details, ...entry }) => entry),
    })),
    records: row!.records.map(toInventoryRecordView),
    catalogRevision: row!.catalog_revision,
  };
}

/** An updated record's new values: every field but its key (what did not change is written as it was). */
const RECORD_UPDATES = recordColumns
  .filter((column) => column !== 'inventory_id')
  .map((column) => `${column} = r.${column}`)
  .join(', ');

export interface OrderOutcome {
  order_id: string;
  status: OrderStatus;
  /** Its place in the player's effect order. */
  applied_seq: number;
  entries: StoredEntry[];
}

export interface PlayerChanges {
  inventory: InventoryDiff;
  /** The player's next legacy inventory id, when records were made. */
  nextLegacyInventoryId: number | null;
  /** The applied_seq the player's next final order will get. */
  nextAppliedSeq: number;
  outcomes: OrderOutcome[];
}

/**
 * The two updates join a JSON document of rows to a table. The planner takes any such document for
 * 100 rows; while the tables are small or their statistics stale, that makes a scan of every queued
 * order (through the status index) look cheaper than one lookup per row by key, and the scan grows
 * with the backlog. Each document goes through a `LIMIT` of its real length, which the planner does
 * trust: the rows are then looked up by key.
 *
 * Writes a batch back in one statement: inventory deletes, updates and inserts, the player's
 * counters, and every order's results, final status and applied_seq. Data-modifying CTEs touch
 * disjoint rows, so their order inside the statement does not matter. Returns each order's
 * accept-to-final time (completed_time − created_time, both by the database's clock) for metrics.
 */
export async function savePlayerState(
  em: EntityManager,
  playerUuid: string,
  changes: PlayerChanges,
): Promise<Map<string, number>> {
  const { inventory } = changes;
  const finished = await runSql<{ order_id: string; accept_to_final_ms: number }[]>(
    em,
    `with deleted as (
       delete from inventory_record
        where player_uuid = ? and inventory_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))
     ), updated as (
       update inventory_record t
          set ${RECORD_UPDATES}
         from (select * from jsonb_to_recordset(?::jsonb) as x(${RECORD_ROW_TYPE}) limit ?) as r
        where t.player_uuid = ? and t.inventory_id = r.inventory_id
     ), inserted as (
       insert into inventory_record (player_uuid, ${RECORD_COLUMNS})
       select ?, ${RECORD_COLUMNS}
         from jsonb_to_recordset(?::jsonb) as r(${RECORD_ROW_TYPE})
     ), counters as (
       update player
          set next_legacy_inventory_id = coalesce(?::bigint, next_legacy_inventory_id), next_applied_seq = ?::bigint
        where player_uuid = ?
     )
     update player_order o
        set status = r.status, applied_seq = r.applied_seq, entries = r.entries, completed_time = clock_timestamp(),
            attempts = o.attempts + 1, last_error = null
       from (select * from jsonb_to_recordset(?::jsonb) as x(order_id text, status text, applied_seq bigint, entries jsonb)
              limit ?) as r
      where o.order_id = r.order_id and o.status = 'queued'
     returning o.order_id, (extract(epoch from o.completed_time - o.created_time) * 1000)::float8 as accept_to_final_ms`,
    [
      playerUuid,
      JSON.stringify(inventory.deleted.map((record) => record.inventory_id)),
      JSON.stringify(inventory.updated),
      inventory.updated.length,
      playerUuid,
      playerUuid,
      JSON.stringify(inventory.inserted),
      changes.nextLegacyInventoryId,
      changes.nextAppliedSeq,
      playerUuid,
      JSON.stringify(changes.outcomes),
      changes.outcomes.length,
    ],
  );
  // Every order was loaded `queued` under the player's lock, so each must still be: if one is not,
  // something changed it without that lock, and the batch is refused (rolled back) rather than
  // applying an order twice or to no effect.
  if (finished.length !== changes.outcomes.length) {
    throw new Error(
      `${changes.outcomes.length - finished.length} order(s) of the batch were no longer queued`,
    );
  }
  return new Map(finished.map((row) => [row.order_id, row.accept_to_final_ms]));
}
