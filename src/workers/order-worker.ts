import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import { markNextOrderErrored } from '../stores/order-store.js';
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
import type { Metrics } from '../telemetry/metrics.js';
import { enqueueAgain, ORDER_QUEUE, orderJobSchema, type OrderJob } from '../queue/order-queue.js';

export interface OrderProcessorDeps {
  orm: Orm;
  config: Config;
  logger: Logger;
  catalogCache: CatalogCache;
  metrics: Metrics;
  /** Where the worker hands a player's later orders when it gives up on one. */
  queue: Queue<OrderJob>;
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

/** The player a job is for, the order that brought it (for logs), and where it stands in its attempts. */
interface PlayerJob {
  playerUuid: string;
  orderId: string;
  attempt: number;
  lastAttempt: boolean;
}

function playerJobOf(job: Job<OrderJob>): PlayerJob {
  const parsed = orderJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
  const attempt = job.attemptsMade + 1;
  return {
    playerUuid: parsed.data.player_uuid,
    orderId: parsed.data.order_id,
    attempt,
    lastAttempt: attempt >= (job.opts.attempts ?? 1),
  };
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
  return naturalBatches(
    async (requests: GroupRequest[]) => {
      const started = performance.now();
      const { finished, outcomes } = await applyOrderGroup(deps.orm.em.fork(), requests, {
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
      return outcomes;
    },
    config.WORKER_CONCURRENCY,
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
      job_order_id: target.orderId,
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
 * On the job's last attempt: errors the player's next order, if the failure is that order's own
 * (the group that failed was that order alone, or the player could not even be locked), and gives
 * the orders behind it a job of their own, with attempts of their own: an errored order holds
 * nothing back. BullMQ starts that job the moment this one fails (see enqueueOrders).
 */
async function giveUpOnNextOrder(
  deps: OrderProcessorDeps,
  target: PlayerJob,
  failure: unknown,
): Promise<void> {
  if (!target.lastAttempt) return;
  const failedOrders = failure instanceof BatchFailedError ? failure.orderIds : [];
  if (failedOrders.length > 1) return;
  const errored = await markNextOrderErrored(
    deps.orm.em.fork(),
    target.playerUuid,
    summarizeError(causeOf(failure)),
    failedOrders[0] ?? null,
  );
  if (errored === null) return;
  deps.metrics.orderFinished('errored');
  deps.logger.error(
    {
      order_id: errored.orderId,
      player_uuid: target.playerUuid,
      next_order_id: errored.nextOrderId,
      err: causeOf(failure),
    },
    'order errored; the orders after it get a job of their own',
  );
  if (errored.nextOrderId === null) return;
  try {
    await enqueueAgain(deps.queue, { order_id: errored.nextOrderId, player_uuid: target.playerUuid });
  } catch (error) {
    // The job still fails with the order's own error; the sweeper delivers the orders behind it.
    deps.logger.warn(
      { player_uuid: target.playerUuid, order_id: errored.nextOrderId, err: error },
      'enqueue failed; left to the sweeper',
    );
  }
}

/**
 * A job means "this player has orders waiting" (enqueueOrders keeps one per player): the worker
 * applies everything the player has waiting, in accept order, until nothing is left. A failed
 * attempt is retried by the queue with backoff; the player's orders accepted meanwhile wait for
 * that retry, behind the order that failed. The last attempt errors that order, if the failure is
 * its own, and hands the player's later orders to a new job; the job then fails with the error,
 * for ops to see.
 */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  const applyInGroup = createGroupApplier(deps);
  return async (job: Job<OrderJob>): Promise<void> => {
    const target = playerJobOf(job);
    try {
      await applyPlayerQueue(deps, applyInGroup, target);
    } catch (failure) {
      await giveUpOnNextOrder(deps, target, failure);
      throw causeOf(failure);
    }
  };
}

export function createOrderWorker(deps: OrderProcessorDeps, connection: Redis): Worker<OrderJob> {
  const worker = new Worker<OrderJob>(ORDER_QUEUE, createOrderProcessor(deps), {
    connection,
    prefix: deps.config.QUEUE_PREFIX,
    concurrency: deps.config.WORKER_CONCURRENCY,
    lockDuration: deps.config.WORKER_LOCK_DURATION_MS,
    stalledInterval: deps.config.WORKER_STALLED_INTERVAL_MS,
    autorun: true,
  });
  worker.on('error', (error) => deps.logger.warn({ err: error }, 'order worker error'));
  return worker;
}
