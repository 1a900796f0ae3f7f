import { Queue } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config.js';
import { uuid } from '../domain/schema-types.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis.js';
import type { EventStream } from '../stores/player-store.js';
import { chunksOf, orderJobOptions, queuePrefix, type QueueLayout } from './order-queue.js';

export const EVENT_QUEUE = 'events';

/** A job says which event streams have events waiting; PostgreSQL holds the events. */
export const eventJobSchema = z.object({
  streams: z.array(z.object({ subscriptionId: uuid, playerUuid: uuid })).min(1),
});
export type EventJob = z.output<typeof eventJobSchema>;

/** The event queue's BullMQ prefix (`armory:{events}` when hash-tagged). */
export const eventQueuePrefix = (layout: QueueLayout): string => queuePrefix(layout, EVENT_QUEUE);

export function createEventQueue(
  config: Config,
  connection: RedisConnection,
  logger: Logger,
): Queue<EventJob> {
  const queue = new Queue<EventJob>(EVENT_QUEUE, {
    connection,
    prefix: eventQueuePrefix(config),
    defaultJobOptions: orderJobOptions(config),
    // As for the order queue (order-queue.ts): no version check on a fail-fast connection.
    skipVersionCheck: true,
  });
  queue.on('error', (error) => logger.warn({ err: error }, 'event queue error'));
  return queue;
}

/**
 * Jobs for every stream given, in one round trip: one job, or for many streams (the sweeper's
 * backlog) one per `streamsPerJob`, so that several workers share them. The sweeper gives any
 * stream this misses another.
 */
export async function enqueueStreams(
  queue: Queue<EventJob>,
  streams: EventStream[],
  streamsPerJob = Number.POSITIVE_INFINITY,
): Promise<void> {
  if (streams.length <= streamsPerJob) {
    if (streams.length > 0) await queue.add('deliver-events', { streams });
    return;
  }
  await queue.addBulk(
    chunksOf(streams, streamsPerJob).map((chunk) => ({ name: 'deliver-events', data: { streams: chunk } })),
  );
}

/** How long a worker collects the event streams its groups raise before handing them over as one job. */
export const EVENT_HANDOFF_MS = 25;

/**
 * Hands event streams to the queue as one job per EVENT_HANDOFF_MS, however many groups raised
 * them: a job add per group would cost the order path more than recording the events does. The
 * events are in PostgreSQL already, so streams not handed over (the process stopped, Redis was
 * away) are given a job by the sweeper.
 */
export function createStreamHandoff(
  queue: Queue<EventJob>,
  onError: (error: unknown) => void,
): (streams: EventStream[]) => void {
  let collected = new Map<string, EventStream>();
  let timer: NodeJS.Timeout | null = null;
  const handOver = () => {
    timer = null;
    const streams = [...collected.values()];
    collected = new Map();
    enqueueStreams(queue, streams).catch(onError);
  };
  return (streams) => {
    for (const stream of streams) collected.set(`${stream.subscriptionId}:${stream.playerUuid}`, stream);
    if (timer === null && collected.size > 0) timer = setTimeout(handOver, EVENT_HANDOFF_MS);
  };
}
