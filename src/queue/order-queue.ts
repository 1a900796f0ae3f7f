import { Queue, type JobState, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config.js';
import { orderId, uuid } from '../domain/schema-types.js';
import type { Logger } from '../logger.js';

export const ORDER_QUEUE = 'orders';

/**
 * A job only says where there is work: players with orders waiting, however many orders that is.
 * PostgreSQL holds the orders; the worker applies everything each named player has waiting.
 */
export const orderJobSchema = z.union([
  z.object({ player_uuids: z.array(uuid).min(1) }),
  // Jobs from before jobs named players: one order and its player. Any still queued at an upgrade
  // are applied the same way: the player's waiting orders, that one among them.
  z
    .object({ order_id: orderId, player_uuid: uuid })
    .transform(({ player_uuid }) => ({ player_uuids: [player_uuid] })),
]);
export type OrderJob = z.output<typeof orderJobSchema>;

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

/**
 * Gives players with orders waiting one job, in one round trip, however many players and orders:
 * an accept batch or a batch of ops retries is one job; a sweep of thousands, one job per
 * `playersPerJob`, all added at once. No job is deduplicated: an order
 * stored after its player's running job last looked gets the job that names it here, and a job that
 * finds its players with nothing waiting (a sibling applied them first) completes at once.
 */
export async function enqueuePlayers(
  queue: Queue<OrderJob>,
  playerUuids: Iterable<string>,
  playersPerJob = Number.POSITIVE_INFINITY,
): Promise<void> {
  const player_uuids = [...new Set(playerUuids)];
  if (player_uuids.length <= playersPerJob) {
    if (player_uuids.length > 0) await queue.add('apply-orders', { player_uuids });
    return;
  }
  // Many players (the sweeper's backlog): jobs of `playersPerJob` each, added in one round trip.
  const jobs = [];
  for (let start = 0; start < player_uuids.length; start += playersPerJob) {
    jobs.push({
      name: 'apply-orders',
      data: { player_uuids: player_uuids.slice(start, start + playersPerJob) },
    });
  }
  await queue.addBulk(jobs);
}

/**
 * The creation time (ms since the epoch) of the oldest job that will still run or is running, or
 * null when there is none. Every live job was added at or after it, so an order stored well before
 * it (its job is added just after its commit) has no live job: what the sweeper looks for.
 */
export async function oldestLiveJobTime(queue: Queue<OrderJob>): Promise<number | null> {
  const [oldestWaiting, activeAndDelayed] = await Promise.all([
    queue.getJobs(QUEUED_STATES, 0, 0, true),
    queue.getJobs(RUNNING_STATES, 0, LIVE_JOBS_READ - 1),
  ]);
  const times = [...oldestWaiting, ...activeAndDelayed].map((job) => job.timestamp);
  return times.length === 0 ? null : Math.min(...times);
}

/** Live jobs that wait their turn, oldest first: the oldest was added first. */
const QUEUED_STATES: JobState[] = ['waiting', 'prioritized'];
/** Live jobs that run or will run again; they were taken in any order, so all are read. */
const RUNNING_STATES: JobState[] = ['active', 'delayed'];

/** Active jobs are at most the workers' concurrency; delayed ones are retries, few unless much fails. */
const LIVE_JOBS_READ = 1000;

/**
 * A job that will still run, or is running, and names the player, with its state: found among the
 * newest LIVE_JOBS_READ jobs of each live state. Null when none is.
 */
export async function liveJobOfPlayer(
  queue: Queue<OrderJob>,
  playerUuid: string,
): Promise<{ jobId: string; state: string } | null> {
  for (const state of [...RUNNING_STATES, ...QUEUED_STATES]) {
    const jobs = await queue.getJobs([state], 0, LIVE_JOBS_READ - 1);
    const job = jobs.find((one) =>
      orderJobSchema.safeParse(one.data).data?.player_uuids.includes(playerUuid),
    );
    if (job?.id !== undefined) return { jobId: job.id, state };
  }
  return null;
}

/**
 * Enqueues, but gives up waiting after `timeoutMs`: an accept must answer promptly even while Redis
 * is away. The order is already durable; the sweeper delivers what this could not.
 */
export async function enqueuePlayersPromptly(
  queue: Queue<OrderJob>,
  playerUuids: Iterable<string>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([enqueuePlayers(queue, playerUuids), timeout]);
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
