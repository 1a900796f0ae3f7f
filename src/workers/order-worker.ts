import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import { markOrderErrored } from '../stores/order-store.js';
import { BatchFailedError, processPlayerOrders, type ProcessedOrder } from '../stores/process-orders.js';
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

/** One line an operator can act on; never a stack trace. */
export function errorSummary(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message.split('\n')[0]}`;
  }
  return String(error);
}

/**
 * Whether a failure is the order's own, so that its job may give up on it: the batch that failed
 * was this order alone, or nothing was read yet (the player could not be locked; markOrderErrored
 * then also requires it to be the player's next order). Never for the failure of an order ahead.
 */
function failedAlone(orderId: string, failedOrders: string[] | null): boolean {
  return failedOrders === null || (failedOrders.length === 1 && failedOrders[0] === orderId);
}

/** Metrics and one log line per order of a batch that committed. */
function reportBatch(
  processed: ProcessedOrder[],
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

/**
 * A job names an order, but the worker applies everything its player has waiting, in accept order,
 * until the job's own order is done. A job whose order a sibling job already applied finds nothing.
 *
 * When a batch fails, it goes on one order at a time: one order that cannot be written must not
 * hold back (or error) the orders of the same player before it. When the player's next order still
 * fails, the attempt fails and the queue retries it with backoff. On the job's last attempt its own
 * order is errored if it is the one that failed, and the player's later orders are applied at once:
 * an errored order holds nothing back. An order is never errored for another order's failure.
 */
export function createOrderProcessor({ orm, config, logger, catalogCache, metrics }: OrderProcessorDeps) {
  return async (job: Job<OrderJob>): Promise<void> => {
    const parsed = orderJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const { order_id: orderId, player_uuid: playerUuid } = parsed.data;
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const em = orm.em.fork();
    let batchSize = config.ORDER_BATCH_SIZE;
    /** Why this job's own order was errored; the job fails with it once the rest is applied. */
    let erroredWith: Error | null = null;
    for (;;) {
      const started = performance.now();
      let processed: ProcessedOrder[];
      try {
        processed = await processPlayerOrders(em, playerUuid, {
          catalogCache,
          batchSize,
          promotionFailureLimit: config.PROMO_FAILURE_LIMIT,
          promotionFailureWindowSeconds: config.PROMO_FAILURE_WINDOW_SECONDS,
        });
      } catch (thrown) {
        // Which orders the failed batch was applying, when it got as far as reading them.
        const failedOrders = thrown instanceof BatchFailedError ? thrown.orderIds : null;
        const error = thrown instanceof BatchFailedError ? thrown.cause : thrown;
        if (batchSize > 1) {
          logger.warn({ player_uuid: playerUuid, err: error }, 'batch failed; retrying one order at a time');
          batchSize = 1;
          continue;
        }
        logger.warn(
          {
            order_id: orderId,
            player_uuid: playerUuid,
            failed_order_id: failedOrders?.[0] ?? null,
            attempt,
            last_attempt: lastAttempt,
            err: error,
          },
          'order attempt failed',
        );
        const givingUp =
          lastAttempt &&
          failedAlone(orderId, failedOrders) &&
          erroredWith === null &&
          (await markOrderErrored(orm.em.fork(), { orderId, playerUuid }, errorSummary(error)));
        if (!givingUp) throw error;
        metrics.orderFinished('errored');
        logger.error(
          { order_id: orderId, player_uuid: playerUuid, err: error },
          'order errored; applying the ones after it',
        );
        erroredWith = error instanceof Error ? error : new Error(String(error));
        batchSize = config.ORDER_BATCH_SIZE;
        continue;
      }
      reportBatch(processed, Math.round(performance.now() - started), attempt, { logger, metrics });
      // Short of a full batch: nothing of the player's is left waiting. Compared with the size this
      // batch asked for, which is 1 after a failed batch.
      const done = processed.length < batchSize || processed.some((order) => order.orderId === orderId);
      if (done) break;
    }
    if (erroredWith !== null) throw erroredWith;
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
