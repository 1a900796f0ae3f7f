import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql, sqlArray } from './sql.js';
import { RECORD_KEYS, type Detail, type InventoryRecordView } from '../domain/details.js';
import { notTakenBack } from '../domain/refunds.js';
import { isoTime } from '../domain/schema-types.js';
import {
  queuedOrderOf,
  requestHash,
  ENTRY_KEYS,
  ORDER_HEADER_KEYS,
  type OrderCreate,
  type OrderHeader,
  type OrderPage,
  type PlayerOrderView,
  type QueuedOrder,
  type StoredEntry,
  type SubmitterScope,
} from '../domain/order.js';
import type { OrderStatus } from '../domain/vocabulary.js';

interface OrderRow extends OrderHeader {
  accept_seq: string;
  applied_seq: string | null;
  request_hash: string;
  status: OrderStatus;
  entries: StoredEntry[];
  created_time: Date | string;
  completed_time: Date | string | null;
  last_error: string | null;
  collection_etags: Record<string, string> | null;
}

/** Each column is named after the field it holds; the header's are the schema's own keys. */
const ORDER_COLUMNS = [
  ...ORDER_HEADER_KEYS,
  'accept_seq',
  'applied_seq',
  'request_hash',
  'status',
  'entries',
  'created_time',
  'completed_time',
  'last_error',
  'collection_etags',
].join(', ');

/** Keys in a fixed order (JSONB keeps its own): a person reading an order finds fields where the Player Order API puts them. */
function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked as Pick<T, K>;
}

const presentRecord = (record: InventoryRecordView | null) => record && pick(record, RECORD_KEYS);

function presentEntry(entry: StoredEntry): StoredEntry {
  const details = entry.details.map((detail): Detail => {
    const change = detail.inv_change;
    return {
      type: detail.type,
      loot_id: detail.loot_id,
      ...(detail.code !== undefined && { code: detail.code }),
      ...(change && {
        inv_change: {
          before_item_id: change.before_item_id,
          after_item_id: change.after_item_id,
          before: presentRecord(change.before),
          after: presentRecord(change.after),
        },
      }),
    };
  });
  return { ...pick(entry, ENTRY_KEYS), details };
}

function toView(row: OrderRow): PlayerOrderView {
  const view: PlayerOrderView = {
    ...pick(row, ORDER_HEADER_KEYS),
    status: row.status,
    applied_seq: row.applied_seq === null ? null : Number(row.applied_seq),
    created_time: isoTime(row.created_time),
    completed_time: row.completed_time === null ? null : isoTime(row.completed_time),
    collection_etags: row.collection_etags,
    ...(row.status === 'errored' && { error: presentError(row.last_error) }),
    entries: row.entries.map(presentEntry),
  };
  return view.refund_of === null ? view : { ...view, not_taken_back: notTakenBack(view) };
}

/** A PostgreSQL error as knex words it: `<name> <SQLSTATE>: <the SQL it ran> - <the server's message>`. */
const DRIVER_ERROR = /^(\S+ [0-9A-Z]{5}): .* - (.+)$/;
const MAX_ERROR_LENGTH = 300;

/**
 * The worker stores a one-line summary without SQL (summarizeError, src/error-text.ts). Orders
 * errored by earlier versions stored the driver's text with the SQL it ran, which is cut out here
 * the same way: `error 55P03: canceling statement due to lock timeout`. The full text is in the
 * worker's log.
 */
function presentError(lastError: string | null): string {
  const line = (lastError ?? 'the order could not be processed').split('\n')[0]!;
  const driver = DRIVER_ERROR.exec(line);
  const shown = driver ? `${driver[1]}: ${driver[2]}` : line;
  return shown.length > MAX_ERROR_LENGTH ? `${shown.slice(0, MAX_ERROR_LENGTH - 1)}…` : shown;
}

export type AcceptResult =
  | { kind: 'accepted'; order: PlayerOrderView }
  | { kind: 'replayed'; order: PlayerOrderView }
  | { kind: 'conflict'; order: PlayerOrderView };

/** An order to accept and who submitted it. */
export interface Submission {
  create: OrderCreate;
  scope: SubmitterScope;
  /** The compatible-API call it is made by, if any (`playfab:AddInventoryItems`). */
  origin?: string;
  /** The order it refunds, for a refund (refunds.ts). */
  refundOf?: string;
  /**
   * How long its `client_order_ref_id` holds (PlayFab's IdempotencyId: 14 days); forever unless
   * given. Past it, the key is released from the old order and this submission is a new order.
   */
  keyLifetimeMs?: number;
}

/** Each header column's type, for reading accepted rows out of one JSON document. */
const HEADER_TYPES = {
  order_id: 'text',
  player_uuid: 'uuid',
  source: 'text',
  client_order_ref_id: 'text',
  portal_id: 'int',
  portal_user_id: 'text',
  instance_id: 'text',
  match_id: 'text',
  is_transaction: 'boolean',
  origin: 'text',
  refund_of: 'text',
} satisfies Record<keyof OrderHeader, string>;
const ACCEPTED_ROW_TYPE = [
  'i int',
  ...ORDER_HEADER_KEYS.map((key) => `${key} ${HEADER_TYPES[key]}`),
  'ref_scope text',
  'request_hash text',
  'entries jsonb',
].join(', ');
const ACCEPTED_COLUMNS = `${ORDER_HEADER_KEYS.join(', ')}, ref_scope, request_hash, entries`;

/**
 * Whose order an id is, from `order_key`: player_order is keyed by player first, so a lookup that
 * names no player asks this first, and then reads the order on its player's shard alone.
 */
async function playerOfOrder(em: EntityManager, orderId: string): Promise<string | null> {
  const rows = await runSql<{ player_uuid: string }[]>(
    em,
    'select player_uuid from order_key where order_id = ?',
    [orderId],
  );
  return rows[0]?.player_uuid ?? null;
}

async function orderRowById(em: EntityManager, orderId: string): Promise<OrderRow | null> {
  const playerUuid = await playerOfOrder(em, orderId);
  if (playerUuid === null) return null;
  const rows = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order where player_uuid = ? and order_id = ?`,
    [playerUuid, orderId],
  );
  return rows[0] ?? null;
}

/** Whether a statement failed because an order id it claimed is another player's order's. */
function isOrderIdTaken(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'order_key_pkey';
}

/**
 * Stores orders durably, once each, in one statement; the answers come in the order of
 * `submissions`. The unique keys decide: a submit with the `order_id`, or the (`player_uuid`, scope,
 * `client_order_ref_id`), of an order already stored, or of one earlier in the same batch, finds
 * that order and is a replay when its body is the same, a conflict when not. Concurrent duplicates
 * in other transactions wait on the first insert's commit and resolve the same way. Rows are
 * inserted in the order given, so a player's orders take their accept_seq in arrival order.
 * Enqueueing is the caller's job, after this has committed.
 *
 * The order row and its id's `order_key` row are written by the same statement. An id that another
 * player's order holds fails the whole statement (the order row catches only the same player's
 * conflict): alone, that submission is then a conflict with the order holding the id; in a batch,
 * the batch fails, and its caller (natural-batches.ts) stores each submission again alone.
 */
export async function acceptOrders(em: EntityManager, submissions: Submission[]): Promise<AcceptResult[]> {
  try {
    return await acceptBatch(em, submissions);
  } catch (error) {
    if (submissions.length === 1 && isOrderIdTaken(error))
      return [await idTakenByAnotherPlayer(em, submissions[0]!)];
    throw error;
  }
}

/**
 * A submission whose order id another player's order holds: a conflict with that order. (A
 * generated id never is; if it were, storing it again generates another.)
 */
async function idTakenByAnotherPlayer(em: EntityManager, submission: Submission): Promise<AcceptResult> {
  const takenId = submission.create.order_id;
  const holder = takenId ? await findOrder(em, takenId) : null;
  return holder ? { kind: 'conflict', order: holder } : (await acceptBatch(em, [submission]))[0]!;
}

async function acceptBatch(em: EntityManager, submissions: Submission[]): Promise<AcceptResult[]> {
  const prepared = submissions.map(({ create, scope, origin = null, refundOf = null, keyLifetimeMs }) => {
    const order = queuedOrderOf(create, origin, refundOf);
    const entries: StoredEntry[] = order.entries.map((entry) => ({
      ...entry,
      result: 'not_started',
      details: [],
    }));
    return { order, scope, hash: requestHash(create, origin), entries, keyLifetimeMs };
  });
  // The rows go as one JSON document, so the statement's text is the same for any batch and is
  // prepared once per connection; `i` keeps them in the order given.
  const rows = await runSql<OrderRow[]>(
    em,
    `with inserted as (
       insert into player_order (${ACCEPTED_COLUMNS}, status)
       select ${ACCEPTED_COLUMNS}, 'queued'
         from jsonb_to_recordset(?::jsonb) as r(${ACCEPTED_ROW_TYPE})
        order by r.i
       on conflict do nothing
       returning ${ORDER_COLUMNS}
     ), keyed as (
       insert into order_key (order_id, player_uuid) select order_id, player_uuid from inserted
     )
     select * from inserted`,
    [
      JSON.stringify(
        prepared.map(({ order, scope, hash, entries }, i) => ({
          i,
          ...pick(order, ORDER_HEADER_KEYS),
          ref_scope: scope,
          request_hash: hash,
          entries,
        })),
      ),
    ],
    { prepared: true },
  );
  const inserted = new Map(rows.map((row) => [row.order_id, row]));
  const results: AcceptResult[] = [];
  const vanished: number[] = [];
  for (const [index, { order, scope, hash, keyLifetimeMs }] of prepared.entries()) {
    const row = inserted.get(order.order_id);
    // Two submissions of one order_id in a batch: only the first, whose body the row holds, took it.
    if (row?.request_hash === hash) {
      inserted.delete(order.order_id);
      results[index] = { kind: 'accepted', order: toView(row) };
      continue;
    }
    const existing = await findByIdempotencyKey(em, order, scope);
    if (existing && keyLifetimeMs !== undefined && isKeyExpired(existing, order, keyLifetimeMs)) {
      await releaseIdempotencyKey(em, existing, scope);
      vanished.push(index);
    } else if (existing) {
      results[index] = {
        kind: existing.request_hash === hash ? 'replayed' : 'conflict',
        order: toView(existing),
      };
    } else {
      // The conflicting row can only vanish if it was deleted in between; try the insert again.
      vanished.push(index);
    }
  }
  if (vanished.length > 0) {
    const again = await acceptOrders(
      em,
      vanished.map((index) => submissions[index]!),
    );
    vanished.forEach((index, k) => (results[index] = again[k]!));
  }
  return results;
}

/** An order found by the submission's `client_order_ref_id` (not its id), accepted longer ago than the key holds. */
function isKeyExpired(existing: OrderRow, order: QueuedOrder, keyLifetimeMs: number): boolean {
  const byRef =
    existing.order_id !== order.order_id && existing.client_order_ref_id === order.client_order_ref_id;
  return byRef && Date.now() - new Date(existing.created_time).getTime() > keyLifetimeMs;
}

/**
 * Frees an order's idempotency key for a new order: the old order keeps its `client_order_ref_id`
 * (what it showed, it still shows) but leaves the scope in which keys are unique.
 */
async function releaseIdempotencyKey(
  em: EntityManager,
  order: OrderRow,
  scope: SubmitterScope,
): Promise<void> {
  await runSql(
    em,
    `update player_order set ref_scope = 'released:' || accept_seq
      where player_uuid = ? and order_id = ? and ref_scope = ?`,
    [order.player_uuid, order.order_id, scope],
  );
}

async function findByIdempotencyKey(
  em: EntityManager,
  order: QueuedOrder,
  scope: SubmitterScope,
): Promise<OrderRow | null> {
  const byId = await orderRowById(em, order.order_id);
  if (byId) return byId;
  if (!order.client_order_ref_id) return null;
  const byRef = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order where player_uuid = ? and ref_scope = ? and client_order_ref_id = ?`,
    [order.player_uuid, scope, order.client_order_ref_id],
  );
  return byRef[0] ?? null;
}

/**
 * The order stored under `orderId` for exactly this request (the same fingerprint), if any: how a
 * platform event accepted before event ids had namespaces is recognised when the platform sends it
 * again, so that it is answered as a replay instead of being applied a second time.
 */
export async function findOrderForRequest(
  em: EntityManager,
  orderId: string,
  create: OrderCreate,
): Promise<PlayerOrderView | null> {
  const row = await orderRowById(em, orderId);
  return row?.request_hash === requestHash(create) ? toView(row) : null;
}

export async function findOrder(em: EntityManager, orderId: string): Promise<PlayerOrderView | null> {
  const row = await orderRowById(em, orderId);
  return row ? toView(row) : null;
}

export interface OrderListQuery {
  /** One player's orders (`GET /v1/players/{uuid}/orders`), or every player's (the admin listing). */
  playerUuid?: string;
  status?: OrderStatus;
  limit: number;
  cursor?: string;
}

/**
 * Orders newest first; the cursor is the accept sequence of the last order shown. `accept_seq` is one
 * sequence across players, so the same cursor pages one player's orders and everyone's. The indexes
 * (player_uuid, accept_seq) and (status, accept_seq) serve both.
 */
export async function listOrders(em: EntityManager, query: OrderListQuery): Promise<OrderPage> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.playerUuid) {
    conditions.push('player_uuid = ?');
    params.push(query.playerUuid);
  }
  if (query.status) {
    conditions.push('status = ?');
    params.push(query.status);
  }
  if (query.cursor) {
    conditions.push('accept_seq < ?');
    params.push(query.cursor);
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const rows = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order ${where} order by accept_seq desc limit ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    orders: page.map(toView),
    next_cursor: rows.length > query.limit ? page[page.length - 1]!.accept_seq : null,
  };
}

/** An order's key: its player and its id. */
export interface OrderRef {
  player_uuid: string;
  order_id: string;
}

/**
 * The orders stored under these keys, by id (those that exist). Ids are unique across players, so
 * an order whose id and player are both among those given is one of them; each player's orders are
 * read on that player's shard.
 */
export async function findOrders(em: EntityManager, refs: OrderRef[]): Promise<Map<string, PlayerOrderView>> {
  if (refs.length === 0) return new Map();
  const rows = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order where player_uuid = any(?::uuid[]) and order_id = any(?::text[])`,
    [
      sqlArray([...new Set(refs.map((ref) => ref.player_uuid))]),
      sqlArray([...new Set(refs.map((ref) => ref.order_id))]),
    ],
  );
  return new Map(rows.map((row) => [row.order_id, toView(row)]));
}

/** What a failed attempt did to the order it was for. */
export interface FailedAttempt {
  orderId: string;
  /** Whether that was its last attempt: it is `errored` now, for ops. */
  errored: boolean;
  /** The player's order waiting next behind it, if any. */
  nextOrderId: string | null;
}

/**
 * Counts a failed attempt against a player's next order, with a one-line reason for ops, and gives
 * up on it at its `maxAttempts`-th: `errored`. An order's attempts are its own, whichever jobs made
 * them. `orderId`, when given, must be that next order (the one whose failure it was); an order
 * waiting behind another is never charged for that one's failure. It does not wait for the player's
 * lock (that lock may be what keeps failing): a group applying the order meanwhile either commits
 * first, and then there is nothing to charge, or finds it no longer queued at its write and rolls
 * back (saveGroupState). Null when there was no such order.
 */
export async function recordFailedAttempt(
  em: EntityManager,
  playerUuid: string,
  reason: string,
  orderId: string | null,
  maxAttempts: number,
): Promise<FailedAttempt | null> {
  const [row] = await runSql<{ order_id: string; errored: boolean; next_order_id: string | null }[]>(
    em,
    `with next as (
       select order_id, accept_seq from player_order
        where player_uuid = ? and status = 'queued' order by accept_seq limit 1
     )
     update player_order o
        set attempts = o.attempts + 1, last_error = ?,
            status = case when o.attempts + 1 >= ? then 'errored' else o.status end,
            completed_time = case when o.attempts + 1 >= ? then clock_timestamp() end
       from next
      where o.order_id = next.order_id and o.player_uuid = ? and o.status = 'queued'
        and (?::text is null or o.order_id = ?)
      returning o.order_id, o.status = 'errored' as errored,
        (select behind.order_id from player_order behind
          where behind.player_uuid = o.player_uuid and behind.status = 'queued'
            and behind.accept_seq > next.accept_seq
          order by behind.accept_seq limit 1) as next_order_id`,
    [playerUuid, reason.slice(0, 500), maxAttempts, maxAttempts, playerUuid, orderId, orderId],
  );
  return row ? { orderId: row.order_id, errored: row.errored, nextOrderId: row.next_order_id } : null;
}

/**
 * Players with orders stored a while ago that are still waiting, oldest first: candidates for
 * another delivery. Only orders older than `minAgeMs` by the database's clock, and stored before
 * `storedBefore` when it is given.
 */
export async function findPlayersWithStaleOrders(
  em: EntityManager,
  minAgeMs: number,
  storedBefore: Date | null,
  limit: number,
): Promise<string[]> {
  const rows = await runSql<{ player_uuid: string }[]>(
    em,
    `select player_uuid from player_order
      where status = 'queued' and created_time < clock_timestamp() - make_interval(secs => ?)
        and (?::timestamptz is null or created_time < ?::timestamptz)
      group by player_uuid order by min(accept_seq) limit ?`,
    [minAgeMs / 1000, storedBefore, storedBefore, limit],
  );
  return rows.map((row) => row.player_uuid);
}

export type RequeueResult =
  | { kind: 'requeued'; order: PlayerOrderView }
  | { kind: 'not_errored'; order: PlayerOrderView }
  | { kind: 'not_found' };

/**
 * Puts an `errored` order back to `queued` for ops, with its error and completion time cleared and
 * its attempts given afresh. The conditional update decides: of two retries at once, one flips it
 * and the other finds it no longer `errored`; an order that is queued or final is never touched, so
 * it cannot be applied twice. The order keeps its accept_seq, so among the player's orders still
 * queued it goes first; the orders applied while it was errored stay applied, and it takes effect
 * after them, with the next applied_seq. Enqueueing is the caller's job, after this.
 */
export async function requeueErroredOrder(em: EntityManager, orderId: string): Promise<RequeueResult> {
  const playerUuid = await playerOfOrder(em, orderId);
  if (playerUuid === null) return { kind: 'not_found' };
  const rows = await runSql<OrderRow[]>(
    em,
    `update player_order set status = 'queued', last_error = null, completed_time = null, attempts = 0
      where player_uuid = ? and order_id = ? and status = 'errored'
      returning ${ORDER_COLUMNS}`,
    [playerUuid, orderId],
  );
  if (rows[0]) return { kind: 'requeued', order: toView(rows[0]) };
  const order = await findOrder(em, orderId);
  return order ? { kind: 'not_errored', order } : { kind: 'not_found' };
}

export interface RequeuedOrder {
  order_id: string;
  player_uuid: string;
  accept_seq: string;
}

/**
 * One batch of the bulk retry: the next `limit` errored orders after `afterSeq` (oldest first), put
 * back to `queued` in one statement, as requeueErroredOrder does for one. The caller pages on with
 * the last accept_seq returned, so orders that error again while it runs are not picked up twice
 * and the loop ends. Rows another retry holds are skipped, not waited for: that retry flips them.
 */
export async function requeueErroredBatch(
  em: EntityManager,
  afterSeq: string | null,
  limit: number,
): Promise<RequeuedOrder[]> {
  const rows = await runSql<RequeuedOrder[]>(
    em,
    `with picked as (
       select player_uuid, order_id from player_order
        where status = 'errored' and accept_seq > ?
        order by accept_seq limit ?
        for update skip locked
     )
     update player_order o set status = 'queued', last_error = null, completed_time = null, attempts = 0
       from picked
      where o.player_uuid = picked.player_uuid and o.order_id = picked.order_id and o.status = 'errored'
      returning o.order_id, o.player_uuid, o.accept_seq`,
    [afterSeq ?? '0', limit],
  );
  // `returning` keeps no order; the caller's cursor and per-player enqueue order want accept order.
  return rows.sort((a, b) => (BigInt(a.accept_seq) < BigInt(b.accept_seq) ? -1 : 1));
}

/** How many orders wait in PostgreSQL, by the two statuses ops watch (each served by an index). */
export async function countPendingOrders(em: EntityManager): Promise<{ queued: number; errored: number }> {
  const rows = await runSql<{ status: 'queued' | 'errored'; n: number }[]>(
    em,
    `select status, count(*)::int as n from player_order where status in ('queued', 'errored') group by status`,
  );
  const count = (status: string) => rows.find((row) => row.status === status)?.n ?? 0;
  return { queued: count('queued'), errored: count('errored') };
}
