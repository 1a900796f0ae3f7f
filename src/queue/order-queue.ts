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

/**
 * A job means "this player has orders waiting": the worker applies all of them, so a player needs
 * one job, not one per order. BullMQ deduplicates on the player: an add while the player's job is
 * waiting or delayed is dropped (that job will find the order in PostgreSQL); an add while it is
 * active is kept (keepLastIfActive) and becomes the player's next job the moment the active one
 * finishes, so an order stored after the active job last looked is never left without a job.
 */
const playerJobOptions = (job: OrderJob): JobsOptions => ({
  jobId: orderJobId(job.order_id),
  deduplication: { id: job.player_uuid, keepLastIfActive: true },
});

/** Gives each order's player a job, in one round trip. */
export async function enqueueOrders(queue: Queue<OrderJob>, jobs: OrderJob[]): Promise<void> {
  await queue.addBulk(jobs.map((job) => ({ name: 'apply-order', data: job, opts: playerJobOptions(job) })));
}

/** Job states in which the job will still run, or is running. */
const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Gives an order's player a job again (the sweeper's orders, an ops retry), unless a job that will
 * apply it is live: the player's job that has yet to start (it reads PostgreSQL when it does), or
 * the order's own job. Otherwise the order's old job, if BullMQ still keeps it finished, is removed
 * (BullMQ ignores an add whose job id exists), and a job is added, deduplicated like any other: it
 * becomes the player's next job if their job is active, since that one may have looked already.
 * Returns whether a job was added. Racing another caller is harmless: at worst the player gets a
 * second job, which finds nothing to do.
 */
export async function enqueueAgain(queue: Queue<OrderJob>, order: OrderJob): Promise<boolean> {
  const jobId = orderJobId(order.order_id);
  const playerJob = await queue.getDeduplicationJobId(order.player_uuid);
  if (playerJob !== null) {
    const state = await queue.getJobState(playerJob);
    if (LIVE_JOB_STATES.has(state) && (state !== 'active' || playerJob === jobId)) return false;
  }
  if (playerJob !== jobId) {
    const state = await queue.getJobState(jobId);
    if (LIVE_JOB_STATES.has(state)) return false;
    if (state !== 'unknown') await queue.remove(jobId);
  }
  const job = { order_id: order.order_id, player_uuid: order.player_uuid };
  await queue.add('apply-order', job, playerJobOptions(job));
  return true;
}

/**
 * The job that will apply an order, and its state: the order's own job, or else its player's live
 * job (the order's own add was deduplicated into it). Null when neither exists.
 */
export async function jobStateOf(
  queue: Queue<OrderJob>,
  order: OrderJob,
): Promise<{ jobId: string; state: string } | null> {
  const own = orderJobId(order.order_id);
  const ownState = await queue.getJobState(own);
  if (ownState !== 'unknown') return { jobId: own, state: ownState };
  const playerJob = await queue.getDeduplicationJobId(order.player_uuid);
  if (playerJob === null) return null;
  const state = await queue.getJobState(playerJob);
  return state === 'unknown' ? null : { jobId: playerJob, state };
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
