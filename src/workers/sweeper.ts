import type { Queue } from 'bullmq';
import type { Orm } from '../db/orm.js';
import { findStaleQueuedOrders } from '../stores/order-store.js';
import type { Logger } from '../logger.js';
import { enqueueAgain, type OrderJob } from '../queue/order-queue.js';

/**
 * PostgreSQL is the source of truth; Redis only delivers. An order that is stored but has no live
 * job (the enqueue failed, the process died between commit and enqueue, Redis lost its data) is
 * enqueued again. A second job for an order that is already final finds nothing to do.
 */
export async function sweepStaleOrders(orm: Orm, queue: Queue<OrderJob>, minAgeMs: number): Promise<number> {
  const stale = await findStaleQueuedOrders(orm.em.fork(), minAgeMs, 500);
  let enqueued = 0;
  for (const order of stale) {
    if (await enqueueAgain(queue, order)) enqueued++;
  }
  return enqueued;
}

export function startSweeper(deps: {
  orm: Orm;
  queue: Queue<OrderJob>;
  logger: Logger;
  intervalMs: number;
  minAgeMs: number;
}): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const enqueued = await sweepStaleOrders(deps.orm, deps.queue, deps.minAgeMs);
        if (enqueued > 0) deps.logger.warn({ enqueued }, 'sweeper re-enqueued stored orders that had no job');
      } catch (error) {
        deps.logger.warn({ err: error }, 'sweep failed; will try again');
      }
    });
  }, deps.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
