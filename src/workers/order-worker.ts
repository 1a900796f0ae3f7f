import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import { markOrderErrored } from '../stores/order-store.js';
import { BatchFailedError, applyQueuedOrders, type FinishedOrder } from '../stores/apply-orders.js';
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
 * Whether a failure is the order's own, so that its job may give up on it: the batch that failed
 * was this order alone, or nothing was read yet (the player could not be locked; markOrderErrored
 * then also requires it to be the player's next order). Never for the failure of an order ahead.
 */
function failedAlone(orderId: string, failedOrders: string[] | null): boolean {
  return failedOrders === null || (failedOrders.length === 1 && failedOrders[0] === orderId);
}

/** Step 2: metrics and one log line per order of a batch that committed. */
function reportBatch(
  processed: FinishedOrder[],
  durationMs: number,
  attempt: number,
  { logger, metrics }: Pick<OrderProcessorDeps, 'logger' | 'metrics'>,
): void {
  if (processed.length > 0) metrics.processingDuration.observe(durationMs / 1000);
  for (const order of processed) {
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
        // The batch's time: its orders were applied together, in one transaction.
        duration_ms: durationMs,
        batch_orders: processed.length,
        attempt,
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

/**
 * Step 1: applies the player's waiting orders, oldest first, batch after batch, until the job's own
 * order is done (or nothing of the player's is left waiting). When a batch fails it goes on one
 * order at a time, so one order that cannot be written does not hold back the orders before it;
 * when the player's next order fails alone, the attempt fails with it.
 */
async function applyUntilDone(deps: OrderProcessorDeps, em: EntityManager, target: JobOrder): Promise<void> {
  const { config, logger } = deps;
  let batchSize = config.ORDER_BATCH_SIZE;
  for (;;) {
    const started = performance.now();
    let processed: FinishedOrder[];
    try {
      processed = await applyQueuedOrders(em, target.playerUuid, {
        catalogCache: deps.catalogCache,
        batchSize,
        promotionFailureLimit: config.PROMO_FAILURE_LIMIT,
        promotionFailureWindowSeconds: config.PROMO_FAILURE_WINDOW_SECONDS,
      });
    } catch (failure) {
      if (batchSize === 1) throw attemptFailed(logger, target, failure);
      logger.warn(
        { player_uuid: target.playerUuid, err: causeOf(failure) },
        'batch failed; retrying one order at a time',
      );
      batchSize = 1;
      continue;
    }
    reportBatch(processed, Math.round(performance.now() - started), target.attempt, deps);
    // Short of a full batch: nothing of the player's is left waiting. Compared with the size this
    // batch asked for, which is 1 after a failed batch.
    if (processed.length < batchSize || processed.some((order) => order.orderId === target.orderId)) return;
  }
}

/** The error behind a failed batch (BatchFailedError carries which orders it was applying). */
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
 * Step 3, on the job's last attempt: errors its own order, if the failure is that order's own and
 * it is still waiting (markOrderErrored). True when it did. An order is never errored for another
 * order's failure: that one's own job gives up on it.
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
  return async (job: Job<OrderJob>): Promise<void> => {
    const target = jobOrderOf(job);
    const em = deps.orm.em.fork();
    try {
      await applyUntilDone(deps, em, target);
    } catch (failure) {
      if (!(await giveUpOnOrder(deps, target, failure))) throw causeOf(failure);
      await applyUntilDone(deps, em, target);
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
