import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import { markOrderErrored } from '../stores/order-store.js';
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
import { ORDER_QUEUE, orderJobSchema, type OrderJob } from '../queue/order-queue.js';

export interface OrderProcessorDeps {
  orm: Orm;
  config: Config;
  logger: Logger;
  catalogCache: CatalogCache;
  metrics: Metrics;
}

/**
 * Whether a failure is the order's own, so that its job may give up on it: the group that failed
 * was this order alone, or nothing was read yet (the player could not be locked; markOrderErrored
 * then also requires it to be the player's next order). Never for the failure of an order ahead.
 */
function failedAlone(orderId: string, failedOrders: string[] | null): boolean {
  return failedOrders === null || (failedOrders.length === 1 && failedOrders[0] === orderId);
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

/** The order a job names, and where the job stands in its attempts. */
interface JobOrder {
  orderId: string;
  playerUuid: string;
  attempt: number;
  lastAttempt: boolean;
}

function jobOrderOf(job: Job<OrderJob>): JobOrder {
  const parsed = orderJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
  const attempt = job.attemptsMade + 1;
  return {
    orderId: parsed.data.order_id,
    playerUuid: parsed.data.player_uuid,
    attempt,
    lastAttempt: attempt >= (job.opts.attempts ?? 1),
  };
}

type ApplyInGroup = (request: GroupRequest) => Promise<RequestOutcome>;

/**
 * The jobs a worker process holds at once are applied together: a job's request joins the next
 * group, which starts as soon as the one in flight commits (naturalBatches: no timer, so an idle
 * worker adds no latency). A group that fails is split, each request running alone, so one order
 * the database refuses fails only its own player's request.
 */
function createGroupApplier(deps: OrderProcessorDeps): ApplyInGroup {
  const { config } = deps;
  return naturalBatches(async (requests: GroupRequest[]) => {
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
  }, config.WORKER_CONCURRENCY);
}

/** How long a job waits before asking again for a player another transaction holds: it doubles, up to a cap. */
const SKIPPED_PAUSE_MS = { first: 2, max: 100 };

/**
 * Applies the player's waiting orders, oldest first, group after group, until the job's own order
 * is done. When the player's share of a group fails alone, it goes on one order at a time, so one
 * order that cannot be written does not hold back the orders before it; when the player's next
 * order fails alone, the attempt fails with it. A player held elsewhere for longer than
 * DB_LOCK_TIMEOUT_MS fails the attempt too, as waiting that long for the lock would.
 */
async function applyUntilDone(
  deps: OrderProcessorDeps,
  applyInGroup: ApplyInGroup,
  target: JobOrder,
): Promise<void> {
  const { config, logger } = deps;
  let maxOrders = config.ORDER_BATCH_SIZE;
  let pauseMs = SKIPPED_PAUSE_MS.first;
  let skippedSince: number | null = null;
  for (;;) {
    let outcome: RequestOutcome;
    try {
      outcome = await applyInGroup({ orderId: target.orderId, playerUuid: target.playerUuid, maxOrders });
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

function attemptFailed(logger: Logger, target: JobOrder, failure: unknown): unknown {
  logger.warn(
    {
      order_id: target.orderId,
      player_uuid: target.playerUuid,
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
 * On the job's last attempt: errors its own order, if the failure is that order's own and it is
 * still waiting (markOrderErrored). True when it did. An order is never errored for another order's
 * failure: that one's own job gives up on it.
 */
async function giveUpOnOrder(deps: OrderProcessorDeps, target: JobOrder, failure: unknown): Promise<boolean> {
  if (!target.lastAttempt) return false;
  const failedOrders = failure instanceof BatchFailedError ? failure.orderIds : null;
  if (!failedAlone(target.orderId, failedOrders)) return false;
  const order = { orderId: target.orderId, playerUuid: target.playerUuid };
  if (!(await markOrderErrored(deps.orm.em.fork(), order, summarizeError(causeOf(failure))))) return false;
  deps.metrics.orderFinished('errored');
  deps.logger.error(
    { order_id: target.orderId, player_uuid: target.playerUuid, err: causeOf(failure) },
    'order errored; applying the ones after it',
  );
  return true;
}

/**
 * A job names an order, but the worker applies everything its player has waiting, in accept order,
 * until the job's own order is done: a job whose order a sibling job already applied finds nothing.
 * A failed attempt is retried by the queue with backoff; on the last one, the job's own order is
 * errored (if the failure is its own) and the player's later orders are applied at once, since an
 * errored order holds nothing back. The job then fails with the error, for ops to see.
 */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  const applyInGroup = createGroupApplier(deps);
  return async (job: Job<OrderJob>): Promise<void> => {
    const target = jobOrderOf(job);
    try {
      await applyUntilDone(deps, applyInGroup, target);
    } catch (failure) {
      if (!(await giveUpOnOrder(deps, target, failure))) throw causeOf(failure);
      await applyUntilDone(deps, applyInGroup, target);
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
