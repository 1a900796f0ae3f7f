import type { EntityManager } from '@mikro-orm/postgresql';
import { finalOrderPayloads, FINAL_ORDERS_CHANNEL } from './final-orders.js';
import { runSql, sqlArray } from './sql.js';
import type { InventoryRecordView } from '../domain/details.js';
import { isoTime } from '../domain/schema-types.js';
import type { PlayerBatch, PlayerChanges, PlayerCounters } from '../domain/apply-group.js';
import { eventsOfOrder } from '../domain/events.js';
import type { HistoryRow } from '../domain/history.js';
import { ORDER_HEADER_KEYS, type OrderHeader, type QueuedOrder, type StoredEntry } from '../domain/order.js';

/**
 * Set-based reads and writes of a group of players' state. The order engine runs in memory between
 * one load and one write-back, so a group of orders, however many players they belong to, costs a
 * handful of statements, not one per order or per change.
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
  collection_id: 'text',
  stack_id: 'text',
  display_properties: 'jsonb',
} as const satisfies Record<keyof InventoryRecordView, string>;

const recordColumns = Object.keys(RECORD_COLUMN_TYPES) as (keyof InventoryRecordView)[];
/** `inventory_id, type, ...`, for a select or an insert. */
export const RECORD_COLUMNS = recordColumns.join(', ');
/** `inventory_id uuid, type text, ...`, the row type of a JSON document of records. */
const RECORD_ROW_TYPE = recordColumns.map((column) => `${column} ${RECORD_COLUMN_TYPES[column]}`).join(', ');

/** inventory_change's columns, with their types: one row per order and player it changed. */
const HISTORY_COLUMN_TYPES = {
  player_uuid: 'uuid',
  seq: 'bigint',
  changes: 'int',
  order_id: 'text',
  order_player_uuid: 'uuid',
  item_ids: 'jsonb',
  collection_ids: 'jsonb',
} as const satisfies Record<keyof HistoryRow, string>;
const HISTORY_COLUMNS = Object.keys(HISTORY_COLUMN_TYPES).join(', ');
const HISTORY_ROW_TYPE = Object.entries(HISTORY_COLUMN_TYPES)
  .map(([column, type]) => `${column} ${type}`)
  .join(', ');

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

type CounterRow = {
  player_uuid: string;
  next_legacy_inventory_id: string;
  next_applied_seq: string;
  next_history_seq: string;
};
const COUNTER_COLUMNS = 'player_uuid, next_legacy_inventory_id, next_applied_seq, next_history_seq';

const countersOf = (row: CounterRow): PlayerCounters => ({
  nextLegacyInventoryId: Number(row.next_legacy_inventory_id),
  nextAppliedSeq: Number(row.next_applied_seq),
  nextHistorySeq: Number(row.next_history_seq),
});

/** A player no order has touched yet has no row: their counters all start at one. */
export const FIRST_COUNTERS: PlayerCounters = {
  nextLegacyInventoryId: 1,
  nextAppliedSeq: 1,
  nextHistorySeq: 1,
};

/** Players' counters as they stand, without locking (for a dry run, which writes nothing). */
export async function readCounters(
  em: EntityManager,
  playerUuids: string[],
): Promise<Map<string, PlayerCounters>> {
  const rows = await runSql<CounterRow[]>(
    em,
    `select ${COUNTER_COLUMNS} from player where player_uuid = any(?::uuid[])`,
    [sqlArray(playerUuids)],
  );
  return new Map(rows.map((row) => [row.player_uuid, countersOf(row)]));
}

/**
 * Takes the row locks of every player of a group that no other transaction holds, creating players
 * on first use, and answers the counters of those it holds. Every change to a player's inventory
 * happens under this lock, which is what serializes their orders and prevents double spend. Locks
 * are taken in player uuid order; a player held elsewhere is skipped (`SKIP LOCKED`), never waited
 * for, so one busy player cannot stall the group, and no lock cycle can form between groups.
 */
export async function lockPlayers(
  em: EntityManager,
  playerUuids: string[],
): Promise<Map<string, PlayerCounters>> {
  const sorted = [...new Set(playerUuids)].sort();
  const locked = await runSql<CounterRow[]>(
    em,
    `select ${COUNTER_COLUMNS} from player
      where player_uuid = any(?::uuid[])
      order by player_uuid for update skip locked`,
    [sqlArray(sorted)],
    { prepared: true },
  );
  const held = new Map(locked.map((row) => [row.player_uuid, countersOf(row)]));
  const unheld = sorted.filter((playerUuid) => !held.has(playerUuid));
  if (unheld.length > 0) {
    // Either new players, whose rows this insert makes (and so holds), or players held elsewhere,
    // which it leaves alone: `do nothing` neither waits for nor locks an existing row.
    const created = await runSql<CounterRow[]>(
      em,
      `insert into player (player_uuid) select unnest(?::uuid[])
       on conflict do nothing
       returning ${COUNTER_COLUMNS}`,
      [sqlArray(unheld)],
      { prepared: true },
    );
    for (const row of created) held.set(row.player_uuid, countersOf(row));
  }
  return held;
}

interface QueuedOrderRow extends OrderHeader {
  entries: StoredEntry[];
  accept_seq: number;
}

/** Which players to load, and at most how many of each one's orders. */
export interface PlayerLoad {
  playerUuid: string;
  counters: PlayerCounters;
  maxOrders: number;
}

export interface GroupState {
  /** Each player's batch, in the order asked. */
  batches: PlayerBatch[];
  catalogRevision: number;
}

/**
 * Everything a group needs, in one statement (one round trip, one snapshot): each player's queued
 * orders in the order the API accepted them (at most `maxOrders` of a player, at most `maxTotal` in
 * all, the oldest first, so each player's share is a prefix of their queue), the records of the
 * players with orders to apply, and the catalog revision. Must run after lockPlayers: only then can
 * no other transaction change these orders or records underneath us.
 */
export async function loadGroupState(
  em: EntityManager,
  players: PlayerLoad[],
  maxTotal: number,
): Promise<GroupState> {
  const [row] = await runSql<
    {
      orders: QueuedOrderRow[];
      records: (InventoryRow & { player_uuid: string })[];
      catalog_revision: number;
    }[]
  >(
    em,
    `with wanted as (
       select * from jsonb_to_recordset(?::jsonb) as w(player_uuid uuid, max_orders int)
     ), queued as (
       select o.* from wanted w cross join lateral
         (select ${ORDER_HEADER_KEYS.join(', ')}, entries, accept_seq from player_order
           where player_uuid = w.player_uuid and status = 'queued' order by accept_seq limit w.max_orders) o
        order by o.accept_seq limit ?
     )
     select
       coalesce((select json_agg(q order by q.accept_seq) from queued q), '[]') as orders,
       coalesce((select json_agg(r) from (select distinct player_uuid from queued) w cross join lateral
                   (select player_uuid, ${RECORD_COLUMNS} from inventory_record
                     where player_uuid = w.player_uuid order by legacy_inventory_id) r), '[]') as records,
       coalesce((select revision from catalog_revision where id = 1), 0) as catalog_revision`,
    [
      JSON.stringify(
        players.map((player) => ({ player_uuid: player.playerUuid, max_orders: player.maxOrders })),
      ),
      maxTotal,
    ],
    { prepared: true },
  );
  const batches = new Map<string, PlayerBatch>(
    players.map(({ playerUuid, counters }) => [
      playerUuid,
      { playerUuid, counters, orders: [], records: [] },
    ]),
  );
  for (const { entries, accept_seq: _acceptSeq, ...order } of row!.orders) {
    batches.get(order.player_uuid)!.orders.push({
      ...order,
      entries: entries.map(({ result: _result, details: _details, ...entry }) => entry),
    } satisfies QueuedOrder);
  }
  for (const { player_uuid: playerUuid, ...record } of row!.records) {
    batches.get(playerUuid)!.records.push(toInventoryRecordView(record));
  }
  return {
    batches: [...batches.values()],
    catalogRevision: row!.catalog_revision,
  };
}

/** The records of players who have no orders in a group but receive a transfer in it. */
export async function loadRecords(
  em: EntityManager,
  playerUuids: string[],
): Promise<Map<string, InventoryRecordView[]>> {
  if (playerUuids.length === 0) return new Map();
  const rows = await runSql<(InventoryRow & { player_uuid: string })[]>(
    em,
    `select player_uuid, ${RECORD_COLUMNS} from inventory_record
      where player_uuid = any(?::uuid[]) order by legacy_inventory_id`,
    [sqlArray(playerUuids)],
    { prepared: true },
  );
  const records = new Map(playerUuids.map((playerUuid) => [playerUuid, [] as InventoryRecordView[]]));
  for (const { player_uuid: playerUuid, ...record } of rows) {
    records.get(playerUuid)!.push(toInventoryRecordView(record));
  }
  return records;
}

/** An updated record's new values: every field but its key (what did not change is written as it was). */
const RECORD_UPDATES = recordColumns
  .filter((column) => column !== 'inventory_id')
  .map((column) => `${column} = r.${column}`)
  .join(', ');

/** A subscription's events of one player: what a delivery job works through, in order. */
export interface EventStream {
  subscriptionId: string;
  playerUuid: string;
}

export interface SavedGroup {
  /** Each order's accept-to-final time (completed_time − created_time, by the database's clock). */
  acceptToFinalMs: Map<string, number>;
  /** The event streams that got new events, to be given a delivery job once committed. */
  eventStreams: EventStream[];
}

/**
 * The updates join JSON documents of rows to tables. The planner takes any such document for 100
 * rows; while the tables are small or their statistics stale, that makes a scan of every queued
 * order (through the status index) look cheaper than one lookup per row by key, and the scan grows
 * with the backlog. Each document goes through a `LIMIT` of its real length, which the planner does
 * trust: the rows are then looked up by key.
 *
 * Writes a group back in one statement: inventory deletes, updates and inserts, the players'
 * counters and history, every order's results, final status and applied_seq, and the deliveries of
 * the events they raise. Data-modifying CTEs touch disjoint rows, so their order inside the
 * statement does not matter.
 */
export async function saveGroupState(em: EntityManager, players: PlayerChanges[]): Promise<SavedGroup> {
  const withPlayer = <T extends object>(playerUuid: string, rows: T[]) =>
    rows.map((row) => ({ player_uuid: playerUuid, ...row }));
  const deleted = players.flatMap(({ playerUuid, inventory }) =>
    withPlayer(
      playerUuid,
      inventory.deleted.map(({ inventory_id }) => ({ inventory_id })),
    ),
  );
  const updated = players.flatMap(({ playerUuid, inventory }) => withPlayer(playerUuid, inventory.updated));
  const inserted = players.flatMap(({ playerUuid, inventory }) => withPlayer(playerUuid, inventory.inserted));
  const counters = players.map((player) => ({
    player_uuid: player.playerUuid,
    next_legacy_inventory_id: player.nextLegacyInventoryId,
    next_applied_seq: player.nextAppliedSeq,
    next_history_seq: player.nextHistorySeq,
  }));
  const history = players.flatMap((player) => player.history);
  const outcomes = players.flatMap(({ playerUuid, outcomes }) => withPlayer(playerUuid, outcomes));
  const events = players.flatMap(({ playerUuid, outcomes }) =>
    outcomes.flatMap((outcome) =>
      eventsOfOrder(outcome).map((event_type) => ({
        player_uuid: playerUuid,
        order_id: outcome.order_id,
        applied_seq: outcome.applied_seq,
        event_type,
      })),
    ),
  );
  const finished = await runSql<
    { order_id: string; accept_to_final_ms: number; streams: [string, string][] | null }[]
  >(
    em,
    `with deleted as (
       delete from inventory_record t
        using (select * from jsonb_to_recordset(?::jsonb) as x(player_uuid uuid, inventory_id uuid) limit ?) as r
        where t.inventory_id = r.inventory_id and t.player_uuid = r.player_uuid
     ), updated as (
       update inventory_record t
          set ${RECORD_UPDATES}
         from (select * from jsonb_to_recordset(?::jsonb) as x(player_uuid uuid, ${RECORD_ROW_TYPE}) limit ?) as r
        where t.inventory_id = r.inventory_id and t.player_uuid = r.player_uuid
     ), inserted as (
       insert into inventory_record (player_uuid, ${RECORD_COLUMNS})
       select player_uuid, ${RECORD_COLUMNS}
         from jsonb_to_recordset(?::jsonb) as r(player_uuid uuid, ${RECORD_ROW_TYPE})
     ), counters as (
       update player p
          set next_legacy_inventory_id = coalesce(r.next_legacy_inventory_id, p.next_legacy_inventory_id),
              next_applied_seq = r.next_applied_seq, next_history_seq = r.next_history_seq
         from (select * from jsonb_to_recordset(?::jsonb) as x(player_uuid uuid, next_legacy_inventory_id bigint,
                 next_applied_seq bigint, next_history_seq bigint) limit ?) as r
        where p.player_uuid = r.player_uuid
     ), history as (
       insert into inventory_change (${HISTORY_COLUMNS})
       select ${HISTORY_COLUMNS} from jsonb_to_recordset(?::jsonb) as r(${HISTORY_ROW_TYPE})
     ), events as (
       -- Events out: one delivery per event and subscription to it, in each player's effect order.
       insert into event_delivery (subscription_id, player_uuid, order_id, applied_seq, event_type)
       select s.subscription_id, r.player_uuid, r.order_id, r.applied_seq, r.event_type
         from jsonb_to_recordset(?::jsonb) as r(player_uuid uuid, order_id text, applied_seq bigint, event_type text)
         join subscription s on s.events @> to_jsonb(r.event_type)
        order by r.player_uuid, r.applied_seq
       returning subscription_id, player_uuid
     ), notified as (
       -- Delivered to listeners when, and only if, this transaction commits (final-orders.ts).
       select pg_notify('${FINAL_ORDERS_CHANNEL}', payload) from unnest(?::text[]) as payload
     )
     update player_order o
        set status = r.status, applied_seq = r.applied_seq, entries = r.entries, completed_time = clock_timestamp(),
            attempts = o.attempts + 1, last_error = null, collection_etags = r.collection_etags
       from (select * from jsonb_to_recordset(?::jsonb)
               as x(player_uuid uuid, order_id text, status text, applied_seq bigint, entries jsonb, collection_etags jsonb)
              limit ?) as r,
            (select count(*) from notified) as sent,
            (select coalesce(jsonb_agg(distinct jsonb_build_array(subscription_id, player_uuid)), '[]') as streams
               from events) as raised
      where o.player_uuid = r.player_uuid and o.order_id = r.order_id and o.status = 'queued'
     returning o.order_id, (extract(epoch from o.completed_time - o.created_time) * 1000)::float8 as accept_to_final_ms,
               -- On one row only: the list is the group's, and a group holds many orders.
               case when o.order_id = ? then raised.streams end as streams`,
    [
      JSON.stringify(deleted),
      deleted.length,
      JSON.stringify(updated),
      updated.length,
      JSON.stringify(inserted),
      JSON.stringify(counters),
      counters.length,
      JSON.stringify(history),
      JSON.stringify(events),
      sqlArray(finalOrderPayloads(outcomes.map((outcome) => outcome.order_id))),
      JSON.stringify(outcomes),
      outcomes.length,
      outcomes[0]?.order_id ?? null,
    ],
    { prepared: true },
  );
  // Every order was loaded `queued` under its player's lock, so each must still be: if one is not,
  // something changed it without that lock, and the group is refused (rolled back) rather than
  // applying an order twice or to no effect.
  if (finished.length !== outcomes.length) {
    throw new Error(`${outcomes.length - finished.length} order(s) of the group were no longer queued`);
  }
  return {
    acceptToFinalMs: new Map(finished.map((row) => [row.order_id, row.accept_to_final_ms])),
    eventStreams: (finished.find((row) => row.streams !== null)?.streams ?? []).map(
      ([subscriptionId, playerUuid]) => ({
        subscriptionId,
        playerUuid,
      }),
    ),
  };
}
