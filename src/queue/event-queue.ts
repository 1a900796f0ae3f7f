import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config.js';
import { uuid } from '../domain/schema-types.js';
import type { Logger } from '../logger.js';
import type { EventStream } from '../stores/player-store.js';
import { orderJobOptions } from './order-queue.js';

export const EVENT_QUEUE = 'events';

/** A job says which event streams have events waiting; PostgreSQL holds the events. */
export const eventJobSchema = z.object({
  streams: z.array(z.object({ subscriptionId: uuid, playerUuid: uuid })).min(1),
});
export type EventJob = z.output<typeof eventJobSchema>;

export function createEventQueue(config: Config, connection: Redis, logger: Logger): Queue<EventJob> {
  const queue = new Queue<EventJob>(EVENT_QUEUE, {
    connection,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: orderJobOptions(config),
    // As for the order queue (order-queue.ts): no version check on a fail-fast connection.
    skipVersionCheck: true,
  });
  queue.on('error', (error) => logger.warn({ err: error }, 'event queue error'));
  return queue;
}

/** One job for every stream given, in one round trip; the sweeper gives any it misses another. */
export async function enqueueStreams(queue: Queue<EventJob>, streams: EventStream[]): Promise<void> {
  if (streams.length === 0) return;
  await queue.add('deliver-events', { streams });
}
