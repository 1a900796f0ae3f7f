import { Queue, type JobState, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config.js';
import { orderId, uuid } from '../domain/schema-types.js';
import type { Logger } from '../logger.js';

export const ORDER_QUEUE = 'orders';

/** A job only says where there is work: the order and its player. PostgreSQL holds the rest. */
export const orderJobSchema = z.object({ order_id: orderId, player_uuid: uuid });
export type OrderJob = z.infer<typeof orderJobSchema>;

/**
 * BullMQ refuses custom ids that are numbers (an `order_id` may be all digits) or hold a `:` (a
 * platform's namespaced event id does; `.` appears in no order id, so the mapping stays one to one).
 */
export const orderJobId = (orderId: string) => `order-${orderId.replace(':', '.')}`;

export function orderJobOptions(config: Config): JobsOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
  };
}

/**
 * Connections below carry no error listener of their own: BullMQ listens on every connection it is
 * given and re-emits its errors on the Queue or Worker, which log them (one JSON line each). A
 * BullMQ object without an `error` listener prints raw stack traces to stderr instead.
 */

/**
 * A producer fails fast when Redis is away: the order is already durable in PostgreSQL and the
 * sweeper will deliver it, so the API answers at once instead of hanging on a dead connection.
 */
export function createProducerConnection(config: Config): Redis {
  return new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
  });
}

/** Workers wait for Redis as long as it takes (BullMQ's production guidance). */
export function createWorkerConnection(config: Config): Redis {
  return new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
}

export function createOrderQueue(config: Config, connection: Redis, logger: Logger): Queue<OrderJob> {
  const queue = new Queue<OrderJob>(ORDER_QUEUE, {
    connection,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: orderJobOptions(config),
    // BullMQ asks Redis for its version (INFO) once, as the queue starts. On this fail-fast
    // connection that one command fails if Redis drops just then, and BullMQ keeps the failure: every
    // later add or read on the queue rejects with it, for good. Startup has checked Redis already.
    skipVersionCheck: true,
  });
  queue.on('error', (error) => logger.warn({ err: error }, 'order queue error'));
  return queue;
}

export async function enqueueOrder(queue: Queue<OrderJob>, job: OrderJob): Promise<void> {
  await enqueueOrders(queue, [job]);
}

/** One job per order, added in one round trip. */
export async function enqueueOrders(queue: Queue<OrderJob>, jobs: OrderJob[]): Promise<void> {
  await queue.addBulk(
    jobs.map((job) => ({ name: 'apply-order', data: job, opts: { jobId: orderJobId(job.order_id) } })),
  );
}

/** Job states in which the job will still run, or is running: its order needs no second job. */
const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Enqueues an order that may have had a job before (the sweeper's orders, an ops retry). BullMQ
 * ignores an add whose job id still exists, and a finished job is kept for a while (removeOnFail,
 * removeOnComplete), so that job is removed first. An order whose job is still live is left to it.
 * Returns whether a job was added. Racing another caller is harmless: at worst the order gets a
 * second job, which finds it no longer `queued` and does nothing.
 */
export async function enqueueAgain(queue: Queue<OrderJob>, order: OrderJob): Promise<boolean> {
  const jobId = orderJobId(order.order_id);
  const state = await queue.getJobState(jobId);
  if (LIVE_JOB_STATES.has(state)) return false;
  if (state !== 'unknown') await queue.remove(jobId);
  await enqueueOrder(queue, { order_id: order.order_id, player_uuid: order.player_uuid });
  return true;
}

/**
 * Enqueues, but gives up waiting after `timeoutMs`: an accept must answer promptly even while Redis
 * is away. The order is already durable; the sweeper delivers what this could not.
 */
export async function enqueueOrdersPromptly(
  queue: Queue<OrderJob>,
  jobs: OrderJob[],
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([enqueueOrders(queue, jobs), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every state a job of the order queue can be in. BullMQ 6 has no `paused` job state (a paused
 * queue keeps its jobs in `waiting`); whether the queue is paused is `Queue#isPaused()`.
 */
export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'completed',
  'failed',
  'waiting-children',
] as const satisfies readonly JobState[];
export type OrderJobState = (typeof JOB_STATES)[number];

/** How many jobs the queue holds in each of JOB_STATES, in one round trip to Redis. */
export async function countJobs(queue: Queue): Promise<Record<OrderJobState, number>> {
  const counts = await queue.getJobCounts(...JOB_STATES);
  return Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<
    OrderJobState,
    number
  >;
}
