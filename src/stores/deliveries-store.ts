import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DeliveryView, EventType, SubscriptionCreate } from '../domain/events.js';
import { retryDelayMs } from '../domain/events.js';
import type { PlayerOrderView } from '../domain/order.js';
import { isoTime } from '../domain/schema-types.js';
import { findOrder } from './order-store.js';
import type { EventStream } from './player-store.js';
import { runSql } from './sql.js';

/** Events out: subscriptions, and each event's delivery, its attempts and the log ops read. */

type SubscriptionRow = {
  subscription_id: string;
  url: string;
  events: EventType[];
  created_at: Date | string;
};

const subscriptionView = (row: SubscriptionRow) => ({
  subscription_id: row.subscription_id,
  url: row.url,
  events: row.events,
  created_time: isoTime(row.created_at),
});

export async function listSubscriptions(em: EntityManager) {
  const rows = await runSql<SubscriptionRow[]>(
    em,
    'select subscription_id, url, events, created_at from subscription order by created_at, url',
  );
  return { subscriptions: rows.map(subscriptionView) };
}

/**
 * Makes the subscriptions exactly these, by url: a url kept keeps its id and its deliveries (with
 * the new events and secret); a url left out is removed with its deliveries, pending or not.
 */
export async function putSubscriptions(em: EntityManager, subscriptions: SubscriptionCreate[]) {
  await em.transactional(async (tx) => {
    const urls = JSON.stringify(subscriptions.map((one) => one.url));
    await runSql(
      tx,
      `with gone as (
         delete from subscription where url not in (select jsonb_array_elements_text(?::jsonb)) returning subscription_id
       )
       delete from event_delivery where subscription_id in (select subscription_id from gone)`,
      [urls],
    );
    for (const { url, events, secret } of subscriptions) {
      await runSql(
        tx,
        `insert into subscription (subscription_id, url, events, secret) values (?, ?, ?::jsonb, ?)
         on conflict (url) do update set events = excluded.events, secret = excluded.secret`,
        [randomUUID(), url, JSON.stringify(events), secret],
      );
    }
  });
  return listSubscriptions(em);
}

type DeliveryRow = {
  delivery_id: string;
  subscription_id: string;
  url: string;
  event_type: EventType;
  order_id: string;
  player_uuid: string;
  applied_seq: string;
  status: DeliveryView['status'];
  attempts: number;
  next_attempt_at: Date | string;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date | string;
  delivered_at: Date | string | null;
};

const DELIVERY_COLUMNS = `d.delivery_id, d.subscription_id, s.url, d.event_type, d.order_id, d.player_uuid, d.applied_seq,
  d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.delivered_at`;

function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    delivery_id: String(row.delivery_id),
    subscription_id: row.subscription_id,
    url: row.url,
    event_type: row.event_type,
    order_id: row.order_id,
    player_uuid: row.player_uuid,
    applied_seq: Number(row.applied_seq),
    status: row.status,
    attempts: row.attempts,
    next_attempt_time: row.status === 'pending' ? isoTime(row.next_attempt_at) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_time: isoTime(row.created_at),
    delivered_time: row.delivered_at === null ? null : isoTime(row.delivered_at),
  };
}

export interface DeliveryQuery {
  status?: DeliveryView['status'];
  playerUuid?: string;
  limit: number;
  cursor?: string;
}

/** The delivery log, newest first; the cursor is the last delivery id shown. */
export async function listDeliveries(em: EntityManager, query: DeliveryQuery) {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const filter = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  if (query.status) filter('d.status = ?', query.status);
  if (query.playerUuid) filter('d.player_uuid = ?', query.playerUuid);
  if (query.cursor) filter('d.delivery_id < ?', query.cursor);
  const rows = await runSql<DeliveryRow[]>(
    em,
    `select ${DELIVERY_COLUMNS} from event_delivery d join subscription s using (subscription_id)
      ${conditions.length > 0 ? `where ${conditions.join(' and ')}` : ''}
      order by d.delivery_id desc limit ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit).map(deliveryView);
  return {
    deliveries: page,
    next_cursor: rows.length > query.limit ? page[page.length - 1]!.delivery_id : null,
  };
}

/**
 * Sends a delivery again, as soon as its turn comes: back to `pending`, its attempts counted anew.
 * Null when there is no such delivery.
 */
export async function replayDelivery(
  em: EntityManager,
  deliveryId: string,
): Promise<{ delivery: DeliveryView; stream: EventStream } | null> {
  const rows = await runSql<DeliveryRow[]>(
    em,
    `with replayed as (
       update event_delivery set status = 'pending', attempts = 0, next_attempt_at = clock_timestamp(),
              last_error = null, last_status_code = null, delivered_at = null
        where delivery_id = ? returning *
     )
     select ${DELIVERY_COLUMNS} from replayed d join subscription s using (subscription_id)`,
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    delivery: deliveryView(row),
    stream: { subscriptionId: row.subscription_id, playerUuid: row.player_uuid },
  };
}

/** What one attempt at a delivery gave: a 2xx, or why not. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/** An event ready to send: its delivery, the subscriber, and the order it is about. */
export interface OutgoingEvent {
  deliveryId: string;
  eventType: EventType;
  url: string;
  secret: string;
  order: PlayerOrderView;
}

export type DeliveryStep =
  { kind: 'empty' } | { kind: 'sent'; delivered: boolean } | { kind: 'later'; atMs: number };

export interface DeliveryOptions {
  maxAttempts: number;
  retryBaseMs: number;
  /** When another job is delivering the stream, ask again this much later. */
  busyRetryMs: number;
}

/**
 * One step of a stream: its oldest pending event (by applied_seq), sent now if its time has come.
 * Under the stream's advisory lock, held for the step's transaction, so one stream has one sender
 * at a time and its events leave in order; a delivery given up (`failed`) lets the next one go.
 */
export async function deliverNext(
  em: EntityManager,
  stream: EventStream,
  send: (event: OutgoingEvent) => Promise<SendResult>,
  options: DeliveryOptions,
): Promise<DeliveryStep> {
  return em.transactional(async (tx) => {
    const [lock] = await runSql<{ held: boolean }[]>(
      tx,
      'select pg_try_advisory_xact_lock(hashtextextended(?, 0)) as held',
      [`events:${stream.subscriptionId}:${stream.playerUuid}`],
    );
    if (!lock!.held) return { kind: 'later', atMs: Date.now() + options.busyRetryMs };
    const [head] = await runSql<
      {
        delivery_id: string;
        event_type: EventType;
        order_id: string;
        attempts: number;
        wait_ms: number;
        url: string;
        secret: string;
      }[]
    >(
      tx,
      `select d.delivery_id, d.event_type, d.order_id, d.attempts, s.url, s.secret,
              greatest(0, extract(epoch from d.next_attempt_at - clock_timestamp()) * 1000)::float8 as wait_ms
         from event_delivery d join subscription s using (subscription_id)
        where d.subscription_id = ? and d.player_uuid = ? and d.status = 'pending'
        order by d.applied_seq, d.delivery_id limit 1`,
      [stream.subscriptionId, stream.playerUuid],
    );
    if (!head) return { kind: 'empty' };
    if (head.wait_ms > 0) return { kind: 'later', atMs: Date.now() + head.wait_ms };
    const order = await findOrder(tx, head.order_id);
    const result: SendResult = order
      ? await send({
          deliveryId: String(head.delivery_id),
          eventType: head.event_type,
          url: head.url,
          secret: head.secret,
          order,
        })
      : { ok: false, statusCode: null, error: `order ${head.order_id} no longer exists` };
    const attempts = head.attempts + 1;
    const status = result.ok ? 'delivered' : attempts >= options.maxAttempts || !order ? 'failed' : 'pending';
    await runSql(
      tx,
      `update event_delivery
          set status = ?, attempts = ?, last_status_code = ?, last_error = ?,
              delivered_at = case when ? then clock_timestamp() end,
              next_attempt_at = clock_timestamp() + make_interval(secs => ? / 1000.0)
        where delivery_id = ?`,
      [
        status,
        attempts,
        result.statusCode,
        result.error,
        result.ok,
        retryDelayMs(attempts, options.retryBaseMs),
        head.delivery_id,
      ],
    );
    return { kind: 'sent', delivered: result.ok };
  });
}

/**
 * Streams with an event due for longer than `minAgeMs`: their job was lost (the enqueue after the
 * commit failed, or the process died in between) or is late. Giving them another is harmless: a
 * stream has one sender at a time.
 */
export async function findStalledStreams(
  em: EntityManager,
  minAgeMs: number,
  limit: number,
): Promise<EventStream[]> {
  const rows = await runSql<{ subscription_id: string; player_uuid: string }[]>(
    em,
    `select distinct subscription_id, player_uuid from event_delivery
      where status = 'pending' and next_attempt_at < clock_timestamp() - make_interval(secs => ? / 1000.0)
      limit ?`,
    [minAgeMs, limit],
  );
  return rows.map((row) => ({ subscriptionId: row.subscription_id, playerUuid: row.player_uuid }));
}
