import { createHash } from 'node:crypto';
import { Queue, type JobState, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { hashTagged, type Config } from '../config.js';
import { orderId, uuid } from '../domain/schema-types.js';
import type { Logger } from '../logger.js';
import { openRedis, type RedisConnection } from '../redis.js';

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
export function createProducerConnection(config: Config): RedisConnection {
  return openRedis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
  });
}

/** Workers wait for Redis as long as it takes (BullMQ's production guidance). */
export function createWorkerConnection(config: Config): RedisConnection {
  return openRedis(config.REDIS_URL, { maxRetriesPerRequest: null });
}

/**
 * The order queue, in QUEUE_SHARDS shards: each is a BullMQ queue of its own, and a player's jobs go
 * to the shard its uuid hashes to. On Redis Cluster each shard's keys share one hash slot (its
 * prefix holds a hash tag), so the shards spread over the cluster's masters. Jobs only say where
 * there is work: which shard carries a job changes nothing about the order it applies (PostgreSQL
 * decides that), so QUEUE_SHARDS may change while jobs wait; jobs left in shards no longer read are
 * covered by the sweeper.
 */
export class OrderQueues {
  constructor(readonly shards: readonly Queue<OrderJob>[]) {}

  shardOf(playerUuid: string): Queue<OrderJob> {
    return this.shards[shardIndex(playerUuid, this.shards.length)]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.close()));
  }
}

/** The shard of a player's jobs among `count`: a hash of the uuid, the same in every process. */
export function shardIndex(playerUuid: string, count: number): number {
  if (count === 1) return 0;
  return createHash('sha1').update(playerUuid.toLowerCase()).digest().readUInt32BE(0) % count;
}

/** What decides where a queue's keys live in Redis. */
export type QueueLayout = Pick<Config, 'QUEUE_PREFIX' | 'QUEUE_SHARDS' | 'REDIS_URL'>;

/**
 * The BullMQ prefix of one queue: `armory:{orders-3}`, `armory:{events}` when hash-tagged, so that
 * all of a queue's keys share one Redis Cluster slot and the queues spread over the masters;
 * QUEUE_PREFIX itself otherwise.
 */
export function queuePrefix(layout: QueueLayout, queue: string): string {
  return hashTagged(layout) ? `${layout.QUEUE_PREFIX}:{${queue}}` : layout.QUEUE_PREFIX;
}

/** The BullMQ prefix of an order shard. */
export const shardPrefix = (layout: QueueLayout, shard: number): string =>
  queuePrefix(layout, `${ORDER_QUEUE}-${shard}`);

/** The order shards this worker process reads: WORKER_SHARDS, or every one. */
export const workerShards = (config: Pick<Config, 'QUEUE_SHARDS' | 'WORKER_SHARDS'>): number[] =>
  config.WORKER_SHARDS ?? Array.from({ length: config.QUEUE_SHARDS }, (_, shard) => shard);

export function createOrderQueues(config: Config, connection: RedisConnection, logger: Logger): OrderQueues {
  return new OrderQueues(
    Array.from({ length: config.QUEUE_SHARDS }, (_, shard) => {
      const queue = new Queue<OrderJob>(ORDER_QUEUE, {
        connection,
        prefix: shardPrefix(config, shard),
        defaultJobOptions: orderJobOptions(config),
        // BullMQ asks Redis for its version (INFO) once, as the queue starts. On this fail-fast
        // connection that one command fails if Redis drops just then, and BullMQ keeps the failure:
        // every later add or read on the queue rejects with it, for good. Startup has checked Redis.
        skipVersionCheck: true,
      });
      queue.on('error', (error) => logger.warn({ err: error, shard }, 'order queue error'));
      return queue;
    }),
  );
}

/**
 * Gives players with orders waiting a job in their shard, in one round trip per shard, however many
 * players and orders: an accept batch or a batch of ops retries is one job per shard; a sweep of
 * thousands, one job per `playersPerJob`. A group (a transfer's giver and receivers) goes to its
 * first player's shard together, so the worker locks them in one statement. No job is
 * deduplicated: an order stored after its player's running job last looked gets the job that names
 * it here, and a job that finds its players with nothing waiting (a sibling applied them first)
 * completes at once.
 */
export async function enqueuePlayers(
  queues: OrderQueues,
  players: Iterable<string | readonly string[]>,
  playersPerJob = Number.POSITIVE_INFINITY,
): Promise<void> {
  const byShard = new Map<Queue<OrderJob>, Set<string>>();
  for (const group of players) {
    const members = typeof group === 'string' ? [group] : group;
    if (members.length === 0) continue;
    const shard = queues.shardOf(members[0]!);
    const named = byShard.get(shard) ?? new Set<string>();
    for (const member of members) named.add(member);
    byShard.set(shard, named);
  }
  await Promise.all(
    [...byShard].map(async ([shard, named]) => {
      const player_uuids = [...named];
      if (player_uuids.length <= playersPerJob) {
        await shard.add('apply-orders', { player_uuids });
        return;
      }
      await shard.addBulk(
        chunksOf(player_uuids, playersPerJob).map((chunk) => ({
          name: 'apply-orders',
          data: { player_uuids: chunk },
        })),
      );
    }),
  );
}

/** `items` in runs of `size`, in order: the jobs of a large batch, added by one `addBulk`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * The creation time (ms since the epoch) of the oldest job that will still run or is running, or
 * null when there is none. Every live job was added at or after it, so an order stored well before
 * it (its job is added just after its commit) has no live job: what the sweeper looks for.
 */
export async function oldestLiveJobTime(queues: OrderQueues): Promise<number | null> {
  const jobs = await Promise.all(
    queues.shards.flatMap((queue) => [
      queue.getJobs(QUEUED_STATES, 0, 0, true),
      queue.getJobs(RUNNING_STATES, 0, LIVE_JOBS_READ - 1),
    ]),
  );
  const times = jobs.flat().map((job) => job.timestamp);
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
  queues: OrderQueues,
  playerUuid: string,
): Promise<{ jobId: string; state: string } | null> {
  // Its own shard first; another one may still hold a job from before QUEUE_SHARDS changed.
  const own = queues.shardOf(playerUuid);
  for (const queue of [own, ...queues.shards.filter((shard) => shard !== own)]) {
    for (const state of [...RUNNING_STATES, ...QUEUED_STATES]) {
      const jobs = await queue.getJobs([state], 0, LIVE_JOBS_READ - 1);
      const job = jobs.find((one) =>
        orderJobSchema.safeParse(one.data).data?.player_uuids.includes(playerUuid),
      );
      if (job?.id !== undefined) return { jobId: job.id, state };
    }
  }
  return null;
}

/**
 * Enqueues, but gives up waiting after `timeoutMs`: an accept must answer promptly even while Redis
 * is away. The order is already durable; the sweeper delivers what this could not.
 */
export async function enqueuePlayersPromptly(
  queues: OrderQueues,
  players: Iterable<string | readonly string[]>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([enqueuePlayers(queues, players), timeout]);
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

/** How many jobs the queues hold in each of JOB_STATES, all shards together: one round trip each. */
export async function countJobs(queues: OrderQueues): Promise<Record<OrderJobState, number>> {
  const counts = await Promise.all(queues.shards.map((queue) => queue.getJobCounts(...JOB_STATES)));
  return Object.fromEntries(
    JOB_STATES.map((state) => [state, counts.reduce((sum, count) => sum + (count[state] ?? 0), 0)]),
  ) as Record<OrderJobState, number>;
}
