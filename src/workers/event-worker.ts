import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { eventBody, messageIdOf } from '../domain/events.js';
import type { Logger } from '../logger.js';
import { EVENT_QUEUE, eventJobSchema, eventQueuePrefix, type EventJob } from '../queue/event-queue.js';
import type { RedisConnection } from '../redis.js';
import { deliverRound, type OutgoingEvent, type SendResult } from '../stores/deliveries-store.js';

export interface EventWorkerDeps {
  orm: Orm;
  config: Config;
  logger: Logger;
}

/** How much later a job asks again for a stream another job is delivering. */
const BUSY_RETRY_MS = 500;

/**
 * POSTs one event, signed as Standard Webhooks say: `webhook-id` (the same on every attempt),
 * `webhook-timestamp` (this attempt) and `webhook-signature`. Only a 2xx in time is a delivery.
 */
export async function sendEvent(event: OutgoingEvent, timeoutMs: number): Promise<SendResult> {
  const body = eventBody(
    event.eventType,
    event.order.completed_time ?? event.order.created_time,
    event.order,
  );
  const messageId = messageIdOf(event.deliveryId);
  const now = new Date();
  try {
    const response = await fetch(event.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(event.secret).sign(messageId, now, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok
      ? { ok: true, statusCode: response.status, error: null }
      : { ok: false, statusCode: response.status, error: `answered ${response.status}` };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const reason = timedOut
      ? `no answer within ${timeoutMs} ms`
      : `could not be reached: ${String((error as Error).cause ?? error)}`;
    return { ok: false, statusCode: null, error: reason.slice(0, 300) };
  }
}

/**
 * Delivers the events of a job's streams, each stream oldest first, until none is due. A stream
 * whose next event must wait (a retry's backoff, or another job sending it) makes the job wait in
 * the queue until then (moveToDelayed), so no process sleeps on it.
 */
export function createEventWorker(deps: EventWorkerDeps, connection: RedisConnection): Worker<EventJob> {
  const { config, logger } = deps;
  const options = {
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    retryBaseMs: config.EVENT_RETRY_BASE_MS,
    busyRetryMs: BUSY_RETRY_MS,
  };
  const send = (event: OutgoingEvent) => sendEvent(event, config.EVENT_TIMEOUT_MS);
  const worker = new Worker<EventJob>(
    EVENT_QUEUE,
    async (job: Job<EventJob>, token?: string) => {
      const parsed = eventJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
      let laterAt: number | null = null;
      const keys = new Set<string>();
      let streams = parsed.data.streams.filter((stream) => {
        const key = `${stream.subscriptionId}:${stream.playerUuid}`;
        return !keys.has(key) && keys.add(key);
      });
      // Round after round, every stream that sent something goes again, until none has an event due.
      while (streams.length > 0) {
        const round = await deliverRound(deps.orm.em.fork(), streams, send, options);
        if (round.laterAtMs !== null) laterAt = Math.min(laterAt ?? round.laterAtMs, round.laterAtMs);
        streams = round.sent;
      }
      if (laterAt !== null) {
        await job.moveToDelayed(laterAt, token);
        throw new DelayedError();
      }
    },
    {
      connection,
      prefix: eventQueuePrefix(config),
      concurrency: config.EVENT_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'event worker error'));
  return worker;
}
