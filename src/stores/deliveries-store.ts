import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DeliveryView, EventType, SubscriptionCreate } from '../domain/events.js';
import { retryDelayMs } from '../domain/events.js';
import type { PlayerOrderView } from '../domain/order.js';
import { isoTime } from '../domain/schema-types.js';
import { findOrders } from './order-store.js';
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

export interface DeliveryOptions {
  maxAttempts: number;
  retryBaseMs: number;
  /** When another job is delivering a stream, ask again this much later. */
  busyRetryMs: number;
}

/** Where a round left the streams it was given. */
export interface DeliveryRound {
  /** Streams that sent an event: their next may be due at once. */
  sent: EventStream[];
  /** Streams whose next event must wait (a retry's backoff, or another job sending it): until when. */
  laterAtMs: number | null;
}

type HeadRow = {
  subscription_id: string;
  player_uuid: string;
  held: boolean;
  delivery_id: string | null;
  event_type: EventType;
  order_id: string;
  attempts: number;
  wait_ms: number;
  url: string;
  secret: string;
};

/**
 * One round over many streams, in one transaction: each stream's oldest pending event (by
 * applied_seq) is sent if its time has come, all at once, and their outcomes written in one
 * statement. Each stream is taken under its advisory lock, held for the round, so a stream has one
 * sender at a time and its events leave in order; a delivery given up (`failed`) lets the next go.
 */
export async function deliverRound(
  em: EntityManager,
  streams: EventStream[],
  send: (event: OutgoingEvent) => Promise<SendResult>,
  options: DeliveryOptions,
): Promise<DeliveryRound> {
  return em.transactional(async (tx) => {
    const heads = await runSql<HeadRow[]>(
      tx,
      `with locked as materialized (
         select w.subscription_id, w.player_uuid,
                pg_try_advisory_xact_lock(hashtextextended('events:' || w.subscription_id || ':' || w.player_uuid, 0)) as held
           from jsonb_to_recordset(?::jsonb) as w(subscription_id uuid, player_uuid uuid)
       )
       select l.subscription_id, l.player_uuid, l.held, h.*
         from locked l left join lateral (
           select d.delivery_id, d.event_type, d.order_id, d.attempts, s.url, s.secret,
                  greatest(0, extract(epoch from d.next_attempt_at - clock_timestamp()) * 1000)::float8 as wait_ms
             from event_delivery d join subscription s using (subscription_id)
            where l.held and d.subscription_id = l.subscription_id and d.player_uuid = l.player_uuid
              and d.status = 'pending'
            order by d.applied_seq, d.delivery_id limit 1) h on true`,
      [
        JSON.stringify(
          streams.map((stream) => ({
            subscription_id: stream.subscriptionId,
            player_uuid: stream.playerUuid,
          })),
        ),
      ],
    );
    const waits = heads.flatMap((head) =>
      !head.held
        ? [options.busyRetryMs]
        : head.delivery_id !== null && head.wait_ms > 0
          ? [head.wait_ms]
          : [],
    );
    const due = heads.filter((head) => head.held && head.delivery_id !== null && head.wait_ms === 0);
    const orders = await findOrders(tx, due);
    const outcomes = await Promise.all(
      due.map(async (head) => {
        const order = orders.get(head.order_id);
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
        return {
          player_uuid: head.player_uuid,
          delivery_id: head.delivery_id,
          status: result.ok ? 'delivered' : attempts >= options.maxAttempts || !order ? 'failed' : 'pending',
          attempts,
          last_status_code: result.statusCode,
          last_error: result.error,
          retry_ms: retryDelayMs(attempts, options.retryBaseMs),
        };
      }),
    );
    if (outcomes.length > 0) {
      await runSql(
        tx,
        `update event_delivery d
            set status = r.status, attempts = r.attempts, last_status_code = r.last_status_code,
                last_error = r.last_error,
                delivered_at = case when r.status = 'delivered' then clock_timestamp() end,
                next_attempt_at = clock_timestamp() + make_interval(secs => r.retry_ms / 1000.0)
           from (select * from jsonb_to_recordset(?::jsonb) as x(player_uuid uuid, delivery_id bigint, status text, attempts int,
                   last_status_code int, last_error text, retry_ms float8) limit ?) as r
          where d.player_uuid = r.player_uuid and d.delivery_id = r.delivery_id`,
        [JSON.stringify(outcomes), outcomes.length],
      );
    }
    const now = Date.now();
    return {
      sent: due.map((head) => ({ subscriptionId: head.subscription_id, playerUuid: head.player_uuid })),
      laterAtMs: waits.length === 0 ? null : now + Math.min(...waits),
    };
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
