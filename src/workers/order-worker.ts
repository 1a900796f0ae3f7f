import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import { recordFailedAttempt, type FailedAttempt } from '../stores/order-store.js';
import {
  applyOrderGroup,
  BatchFailedError,
  type FinishedOrder,
  type GroupRequest,
  type RequestOutcome,
} from '../stores/apply-orders.js';
import { naturalBatches } from '../natural-batches.js';
import { summarizeError } from '../error-text.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis.js';
import type { Metrics } from '../telemetry/metrics.js';
import {
  enqueuePlayers,
  ORDER_QUEUE,
  orderJobSchema,
  shardPrefix,
  workerShards,
  type OrderJob,
  type OrderQueues,
} from '../queue/order-queue.js';
import { createStreamHandoff, type EventJob } from '../queue/event-queue.js';

export interface OrderProcessorDeps {
  orm: Orm;
  config: Config;
  logger: Logger;
  catalogCache: CatalogCache;
  metrics: Metrics;
  /** Where the worker hands a player's later orders when it gives up on one. */
  queue: OrderQueues;
  /** Where the events a group raised are handed, once it committed. */
  eventQueue: Queue<EventJob>;
}

/** Metrics and one log line per order of a group that committed. */
function reportGroup(
  finished: FinishedOrder[],
  durationMs: number,
  { logger, metrics }: Pick<OrderProcessorDeps, 'logger' | 'metrics'>,
): void {
  if (finished.length === 0) return;
  metrics.processingDuration.observe(durationMs / 1000);
  const players = new Set(finished.map((order) => order.playerUuid)).size;
  for (const order of finished) {
    metrics.orderFinished(order.status, order.acceptToFinalMs);
    for (const entry of order.entries) metrics.entryResult(entry.type, entry.result);
    for (const { entryId, error } of order.unexpectedErrors) {
      logger.error({ order_id: order.orderId, entry_id: entryId, err: error }, 'entry failed unexpectedly');
    }
    logger.info(
      {
        order_id: order.orderId,
        player_uuid: order.playerUuid,
        status: order.status,
        applied_seq: order.appliedSeq,
        // The group's time: its orders were applied together, in one transaction.
        duration_ms: durationMs,
        group_orders: finished.length,
        group_players: players,
      },
      'order processed',
    );
  }
}

/** One player of a job, the job (for logs), and where the job stands in its attempts. */
interface PlayerJob {
  playerUuid: string;
  jobId: string | undefined;
  attempt: number;
  lastAttempt: boolean;
}

function playersOf(job: Job<OrderJob>): string[] {
  const parsed = orderJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
  return parsed.data.player_uuids;
}

type ApplyInGroup = (request: GroupRequest) => Promise<RequestOutcome>;

/**
 * The jobs a worker process holds at once are applied together: a job's request starts a group at
 * once while fewer than WORKER_GROUPS_IN_FLIGHT are in flight, or else joins the next group, which
 * starts as soon as one in flight commits (naturalBatches: no timer, so an idle worker adds no
 * latency). A group that fails is split, each request running alone, so one order
 * the database refuses fails only its own player's request.
 */
function createGroupApplier(deps: OrderProcessorDeps): ApplyInGroup {
  const { config } = deps;
  const handOverEvents = createStreamHandoff(deps.eventQueue, (error) =>
    deps.logger.warn({ err: error }, 'could not enqueue event deliveries; the sweeper will'),
  );
  return naturalBatches(
    async (requests: GroupRequest[]) => {
      const started = performance.now();
      const { finished, eventStreams, outcomes } = await applyOrderGroup(deps.orm.em.fork(), requests, {
        catalogCache: deps.catalogCache,
        maxOrders: config.ORDER_BATCH_SIZE,
        promotionFailureLimit: config.PROMO_FAILURE_LIMIT,
        promotionFailureWindowSeconds: config.PROMO_FAILURE_WINDOW_SECONDS,
      }).catch((failure: unknown) => {
        if (requests.length > 1) {
          deps.logger.warn(
            { requests: requests.length, err: causeOf(failure) },
            'group failed; applying its requests one by one',
          );
        }
        throw failure;
      });
      reportGroup(finished, Math.round(performance.now() - started), deps);
      handOverEvents(eventStreams);
      return outcomes;
    },
    // A request loads at least one order, so a group never needs more requests than it holds orders.
    config.ORDER_BATCH_SIZE,
    config.WORKER_GROUPS_IN_FLIGHT,
  );
}

/** How long a job waits before asking again for a player another transaction holds: it doubles, up to a cap. */
const SKIPPED_PAUSE_MS = { first: 2, max: 100 };

/**
 * Applies the player's waiting orders, oldest first, group after group, until none is left. When
 * the player's share of a group fails alone, it goes on one order at a time, so one order that
 * cannot be written does not hold back the orders before it; when the player's next order fails
 * alone, the attempt fails with it. A player held elsewhere for longer than DB_LOCK_TIMEOUT_MS fails
 * the attempt too, as waiting that long for the lock would.
 */
async function applyPlayerQueue(
  deps: OrderProcessorDeps,
  applyInGroup: ApplyInGroup,
  target: PlayerJob,
): Promise<void> {
  const { config, logger } = deps;
  let maxOrders = config.ORDER_BATCH_SIZE;
  let pauseMs = SKIPPED_PAUSE_MS.first;
  let skippedSince: number | null = null;
  for (;;) {
    let outcome: RequestOutcome;
    try {
      outcome = await applyInGroup({ playerUuid: target.playerUuid, maxOrders });
    } catch (failure) {
      if (maxOrders === 1) throw attemptFailed(logger, target, failure);
      logger.warn(
        { player_uuid: target.playerUuid, err: causeOf(failure) },
        'batch failed; retrying one order at a time',
      );
      maxOrders = 1;
      continue;
    }
    if (outcome === 'done') return;
    if (outcome === 'skipped') {
      skippedSince ??= performance.now();
      if (performance.now() - skippedSince > config.DB_LOCK_TIMEOUT_MS) {
        const heldFor = `${config.DB_LOCK_TIMEOUT_MS} ms`;
        throw attemptFailed(
          logger,
          target,
          new Error(`player held by another transaction for over ${heldFor}`),
        );
      }
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, SKIPPED_PAUSE_MS.max);
    } else {
      skippedSince = null;
    }
  }
}

/** The error behind a failed group (BatchFailedError carries which orders it was applying). */
const causeOf = (failure: unknown) => (failure instanceof BatchFailedError ? failure.cause : failure);

function attemptFailed(logger: Logger, target: PlayerJob, failure: unknown): unknown {
  logger.warn(
    {
      player_uuid: target.playerUuid,
      job_id: target.jobId,
      failed_order_id: failure instanceof BatchFailedError ? (failure.orderIds[0] ?? null) : null,
      attempt: target.attempt,
      last_attempt: target.lastAttempt,
      err: causeOf(failure),
    },
    'order attempt failed',
  );
  return failure;
}

/**
 * Charges a player's failed attempt to the order whose failure it was (the group that failed was
 * that order alone, or the player could not even be locked). An order's attempts are its own,
 * counted in PostgreSQL whichever jobs made them; at JOB_ATTEMPTS it is errored, and holds nothing
 * back. On the job's last attempt, the player's orders still waiting (that one, if it has attempts
 * left, or those behind it) get a job of their own.
 */
async function chargeFailedAttempt(
  deps: OrderProcessorDeps,
  target: PlayerJob,
  failure: unknown,
): Promise<void> {
  const { logger, config } = deps;
  const failedOrders = failure instanceof BatchFailedError ? failure.orderIds : [];
  if (failedOrders.length > 1) return;
  let charged: FailedAttempt | null;
  try {
    charged = await recordFailedAttempt(
      deps.orm.em.fork(),
      target.playerUuid,
      summarizeError(causeOf(failure)),
      failedOrders[0] ?? null,
      config.JOB_ATTEMPTS,
    );
  } catch (error) {
    // PostgreSQL itself is failing: nothing is charged; the job's retries, or the sweeper, come back.
    logger.warn({ player_uuid: target.playerUuid, err: error }, 'could not record the failed attempt');
    return;
  }
  if (charged === null) return;
  if (charged.errored) {
    deps.metrics.orderFinished('errored');
    logger.error(
      {
        order_id: charged.orderId,
        player_uuid: target.playerUuid,
        next_order_id: charged.nextOrderId,
        err: causeOf(failure),
      },
      'order errored; the orders after it are not held back',
    );
  }
  const stillWaiting = !charged.errored || charged.nextOrderId !== null;
  if (!target.lastAttempt || !stillWaiting) return;
  try {
    await enqueuePlayers(deps.queue, [target.playerUuid]);
  } catch (error) {
    // The job still fails with the order's own error; the sweeper delivers what is waiting.
    logger.warn({ player_uuid: target.playerUuid, err: error }, 'enqueue failed; left to the sweeper');
  }
}

/**
 * A failed attempt's retry names only the players it failed for: the others' orders are final, and
 * their players' later orders have jobs of their own. If the job cannot be changed, the retry names
 * them all again and finds nothing waiting for the rest.
 */
async function narrowRetryTo(deps: OrderProcessorDeps, job: Job<OrderJob>, playerUuids: string[]) {
  try {
    await job.updateData({ player_uuids: playerUuids });
  } catch (error) {
    deps.logger.warn({ job_id: job.id, err: error }, 'could not narrow the retry to the players that failed');
  }
}

/**
 * A job names players with orders waiting (enqueuePlayers): for each, the worker applies everything
 * they have waiting, in accept order, until nothing is left, all players at once, in the groups of
 * the process. A failed attempt is charged to the order that failed (chargeFailedAttempt) and
 * retried by the queue with backoff, for the players it failed for; their orders accepted meanwhile
 * wait behind the order that failed. The job then fails with the error, for ops to see.
 */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  const applyInGroup = createGroupApplier(deps);
  return async (job: Job<OrderJob>): Promise<void> => {
    const players = playersOf(job);
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const failures = await Promise.all(
      players.map(async (playerUuid) => {
        const target: PlayerJob = { playerUuid, jobId: job.id, attempt, lastAttempt };
        try {
          await applyPlayerQueue(deps, applyInGroup, target);
          return null;
        } catch (failure) {
          await chargeFailedAttempt(deps, target, failure);
          return { playerUuid, failure };
        }
      }),
    );
    const failed = failures.filter((one) => one !== null);
    if (failed.length === 0) return;
    if (!lastAttempt && failed.length < players.length) {
      await narrowRetryTo(
        deps,
        job,
        failed.map((one) => one.playerUuid),
      );
    }
    throw causeOf(failed[0]!.failure);
  };
}

/**
 * A BullMQ worker on each shard of the order queue this process reads (WORKER_SHARDS, by default all
 * QUEUE_SHARDS), all feeding one processor, so a group commit takes the jobs of every shard this
 * process holds. WORKER_CONCURRENCY is shared out among them.
 */
export function createOrderWorkers(
  deps: OrderProcessorDeps,
  connection: RedisConnection,
): Worker<OrderJob>[] {
  const processor = createOrderProcessor(deps);
  const shards = workerShards(deps.config);
  return shards.map((shard) => {
    const worker = new Worker<OrderJob>(ORDER_QUEUE, processor, {
      connection,
      prefix: shardPrefix(deps.config, shard),
      concurrency: Math.max(1, Math.ceil(deps.config.WORKER_CONCURRENCY / shards.length)),
      lockDuration: deps.config.WORKER_LOCK_DURATION_MS,
      stalledInterval: deps.config.WORKER_STALLED_INTERVAL_MS,
      autorun: true,
    });
    worker.on('error', (error) => deps.logger.warn({ err: error, shard }, 'order worker error'));
    return worker;
  });
}
