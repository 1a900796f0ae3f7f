import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from './sql.js';
import type { Detail, InventoryRecordView } from './details.js';
import type { StoredEntry } from './entities.js';
import { isoTime } from './schema-types.js';
import { completeOrderRequest, requestHash, type OrderCreate, type OrderHeader } from './order-request.js';
import { FINAL_STATUSES, type OrderStatus } from './vocabulary.js';

/** A Player Order as callers see it: seed 001's response plus status, times and entry results. */
export interface PlayerOrderView extends OrderHeader {
  status: OrderStatus;
  created_time: string;
  completed_time: string | null;
  entries: StoredEntry[];
}

interface OrderRow extends OrderHeader {
  accept_seq: string;
  request_hash: string;
  status: OrderStatus;
  entries: StoredEntry[];
  created_time: Date | string;
  completed_time: Date | string | null;
}

const ORDER_COLUMNS = `order_id, player_uuid, accept_seq, request_hash, source, client_order_ref_id, portal_id,
  portal_user_id, instance_id, match_id, is_transaction, status, entries, created_time, completed_time`;

const ENTRY_KEYS = [
  'entry_id',
  'type',
  'loot_id',
  'quantity',
  'vendor_version',
  'vendor_etag',
  'dynamic_bundle_loot_ids',
  'purchase_price',
  'external_tran_id',
  'external_item_sku',
  'use_inventory_bucket',
  'player_portal_event_id',
  'inventory_id',
  'legacy_inventory_id',
  'item_id',
  'expires',
  'custom_data',
  'result',
  'details',
] as const;
const RECORD_KEYS = [
  'inventory_id',
  'type',
  'legacy_inventory_id',
  'bucket',
  'count',
  'acquired',
  'expires',
  'custom_data',
  'item_id',
] as const;

/** Keys in a fixed order (JSONB keeps its own): a person reading an order finds fields where seed 001 puts them. */
function pick<K extends string>(value: Record<string, unknown>, keys: readonly K[]): Record<K, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked;
}

function presentRecord(record: InventoryRecordView | null): InventoryRecordView | null {
  return (
    record &&
    (pick(record as unknown as Record<string, unknown>, RECORD_KEYS) as unknown as InventoryRecordView)
  );
}

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
  return { ...pick(entry as unknown as Record<string, unknown>, ENTRY_KEYS), details } as StoredEntry;
}

function toView(row: OrderRow): PlayerOrderView {
  return {
    order_id: row.order_id,
    player_uuid: row.player_uuid,
    source: row.source,
    client_order_ref_id: row.client_order_ref_id,
    portal_id: row.portal_id,
    portal_user_id: row.portal_user_id,
    instance_id: row.instance_id,
    match_id: row.match_id,
    is_transaction: row.is_transaction,
    status: row.status,
    created_time: isoTime(row.created_time),
    completed_time: row.completed_time === null ? null : isoTime(row.completed_time),
    entries: row.entries.map(presentEntry),
  };
}

export const isFinal = (status: OrderStatus) => FINAL_STATUSES.includes(status);

export type AcceptResult =
  | { kind: 'accepted'; order: PlayerOrderView }
  | { kind: 'replayed'; order: PlayerOrderView }
  | { kind: 'conflict'; order: PlayerOrderView };

/**
 * Stores an order durably, once. The unique keys decide: a second submit with the same `order_id`,
 * or the same (`player_uuid`, `client_order_ref_id`), finds the first one and is a replay when its
 * body is the same, a conflict when not. Concurrent duplicates wait on the first insert's commit and
 * resolve the same way. Enqueueing is the caller's job, after this has committed.
 */
export async function acceptOrder(em: EntityManager, create: OrderCreate): Promise<AcceptResult> {
  const hash = requestHash(create);
  const order = completeOrderRequest(create);
  const entries: StoredEntry[] = order.entries.map((entry) => ({
    ...entry,
    result: 'not_started',
    details: [],
  }));
  for (;;) {
    const inserted = await runSql<OrderRow[]>(
      em,
      `insert into player_order (order_id, player_uuid, client_order_ref_id, request_hash, status, source, portal_id,
              portal_user_id, instance_id, match_id, is_transaction, entries)
       values (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?::jsonb)
       on conflict do nothing
       returning ${ORDER_COLUMNS}`,
      [
        order.order_id,
        order.player_uuid,
        order.client_order_ref_id,
        hash,
        order.source,
        order.portal_id,
        order.portal_user_id,
        order.instance_id,
        order.match_id,
        order.is_transaction,
        JSON.stringify(entries),
      ],
    );
    if (inserted[0]) return { kind: 'accepted', order: toView(inserted[0]) };

    const existing = await findByIdempotencyKey(em, create, order.order_id);
    // The conflicting row can only vanish if it was deleted in between; try the insert again.
    if (!existing) continue;
    return { kind: existing.request_hash === hash ? 'replayed' : 'conflict', order: toView(existing) };
  }
}

async function findByIdempotencyKey(
  em: EntityManager,
  create: OrderCreate,
  orderId: string,
): Promise<OrderRow | null> {
  const byId = await runSql<OrderRow[]>(em, `select ${ORDER_COLUMNS} from player_order where order_id = ?`, [
    orderId,
  ]);
  if (byId[0]) return byId[0];
  if (!create.client_order_ref_id) return null;
  const byRef = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order where player_uuid = ? and client_order_ref_id = ?`,
    [create.player_uuid, create.client_order_ref_id],
  );
  return byRef[0] ?? null;
}

export async function findOrder(em: EntityManager, orderId: string): Promise<PlayerOrderView | null> {
  const rows = await runSql<OrderRow[]>(em, `select ${ORDER_COLUMNS} from player_order where order_id = ?`, [
    orderId,
  ]);
  return rows[0] ? toView(rows[0]) : null;
}

export interface OrderPage {
  orders: PlayerOrderView[];
  next_cursor: string | null;
}

/** A player's orders, newest first; the cursor is the accept sequence of the last order shown. */
export async function listPlayerOrders(
  em: EntityManager,
  query: { playerUuid: string; status?: OrderStatus; limit: number; cursor?: string },
): Promise<OrderPage> {
  const conditions = ['player_uuid = ?'];
  const params: unknown[] = [query.playerUuid];
  if (query.status) {
    conditions.push('status = ?');
    params.push(query.status);
  }
  if (query.cursor) {
    conditions.push('accept_seq < ?');
    params.push(query.cursor);
  }
  const rows = await runSql<OrderRow[]>(
    em,
    `select ${ORDER_COLUMNS} from player_order where ${conditions.join(' and ')} order by accept_seq desc limit ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    orders: page.map(toView),
    next_cursor: rows.length > query.limit ? page[page.length - 1]!.accept_seq : null,
  };
}

/**
 * Gives up on an order after its last attempt: `errored`, with a one-line reason for ops, only if
 * it is still waiting (a sibling job may have applied it meanwhile).
 */
export async function markOrderErrored(em: EntityManager, orderId: string, reason: string): Promise<void> {
  await runSql(
    em,
    `update player_order set status = 'errored', last_error = ?, attempts = attempts + 1, completed_time = clock_timestamp()
      where order_id = ? and status = 'queued'`,
    [reason.slice(0, 500), orderId],
  );
}

/** Orders stored a while ago that are still waiting: candidates for another delivery. */
export async function findStaleQueuedOrders(
  em: EntityManager,
  olderThanMs: number,
  limit: number,
): Promise<{ order_id: string; player_uuid: string }[]> {
  return runSql(
    em,
    `select order_id, player_uuid from player_order
      where status = 'queued' and created_time < clock_timestamp() - make_interval(secs => ?)
      order by accept_seq limit ?`,
    [olderThanMs / 1000, limit],
  );
}
