import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../src/logger.js';
import type { OrderJob } from '../../src/queue/order-queue.js';
import { CatalogCache } from '../../src/stores/catalog-store.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { createOrderProcessor, type OrderProcessorDeps } from '../../src/workers/order-worker.js';
import type { Harness } from './harness.js';

/**
 * The worker's order processor called as a function, for tests that deliver jobs themselves (a
 * harness started with `worker: false`). Each processor groups the jobs it holds, as one worker
 * process does: jobs handed to it in the same tick are applied in one group.
 */
export const processorFor = (h: Harness, logger: Logger = createLogger('silent', 'armory-test')) =>
  createOrderProcessor(processorDeps(h, logger));

/** What a worker process gives its order processor, on the harness's database and queue. */
export const processorDeps = (
  h: Harness,
  logger: Logger = createLogger('silent', 'armory-test'),
): OrderProcessorDeps => ({
  orm: h.orm,
  config: h.config,
  logger,
  catalogCache: new CatalogCache(),
  metrics: new Metrics(),
  queue: h.queues,
  eventQueue: h.eventQueue,
});

/**
 * A job as BullMQ hands it to the processor: its data (the players it names), how many attempts
 * came before, and `updateData`, which changes the data the next attempt gets.
 */
export const jobFor = (h: Harness, players: string | string[], attemptsMade = 0) => {
  const job = {
    id: `test-${randomUUID()}`,
    data: { player_uuids: typeof players === 'string' ? [players] : players },
    attemptsMade,
    opts: { attempts: h.config.JOB_ATTEMPTS },
    updateData: (data: OrderJob) => {
      job.data = data;
      return Promise.resolve();
    },
  };
  return job as unknown as Job<OrderJob>;
};

/** Submits an order with the server key, expecting 202; answers its id. */
export async function acceptOrder(h: Harness, order: Record<string, unknown>): Promise<string> {
  const response = await h.server('POST', '/v1/orders', order);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.order_id as string;
}

/**
 * A write the database refuses: any order whose id starts with `poison-` cannot be made final
 * (it can still be errored), as a row a constraint or a trigger rejects would be.
 */
export async function poisonOrders(h: Harness): Promise<{ cure: () => Promise<void> }> {
  await h.sql(`create function refuse_poison() returns trigger language plpgsql as $$
    begin
      if new.order_id like 'poison-%' and new.status not in ('queued', 'errored') then
        raise exception 'poison order refused';
      end if;
      return new;
    end $$`);
  await h.sql(
    'create trigger refuse_poison before update on player_order for each row execute function refuse_poison()',
  );
  return {
    cure: async () => {
      await h.sql('drop trigger refuse_poison on player_order');
      await h.sql('drop function refuse_poison()');
    },
  };
}
