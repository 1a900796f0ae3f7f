import type { Orm } from '../db/orm.js';
import {
  requeueErroredBatch,
  requeueErroredOrder,
  type RequeuedOrder,
  type RequeueResult,
} from '../stores/order-store.js';
import { enqueuePlayers, type OrderQueues } from './order-queue.js';

/**
 * Ops' retries of `errored` orders, shared by the admin API and the ops CLI. PostgreSQL decides
 * (a conditional update flips `errored` to `queued`, committed before anything is enqueued); the
 * queue only delivers. If an enqueue fails, the order is still `queued` in PostgreSQL and the
 * sweeper delivers it, as for an order whose first enqueue failed.
 */

/** Told about orders that were re-queued in PostgreSQL but could not be given a job just now. */
export type EnqueueFailed = (orderIds: string[], error: unknown) => void;

/** What delivering an order needs: its id (for the report) and its player (for the job). */
type Deliverable = Pick<RequeuedOrder, 'order_id' | 'player_uuid'>;

/** Gives the orders' players one job; answers whether it was added. */
async function deliver(queues: OrderQueues, orders: Deliverable[], onEnqueueFailed?: EnqueueFailed) {
  try {
    await enqueuePlayers(
      queues,
      orders.map((order) => order.player_uuid),
    );
    return true;
  } catch (error) {
    onEnqueueFailed?.(
      orders.map((order) => order.order_id),
      error,
    );
    return false;
  }
}

/** Retries one order: `requeued` (and enqueued), `not_errored` (untouched) or `not_found`. */
export async function retryErroredOrder(
  orm: Orm,
  queues: OrderQueues,
  orderId: string,
  onEnqueueFailed?: EnqueueFailed,
): Promise<RequeueResult> {
  const outcome = await requeueErroredOrder(orm.em.fork(), orderId);
  if (outcome.kind === 'requeued') await deliver(queues, [outcome.order], onEnqueueFailed);
  return outcome;
}

export interface BulkRetryProgress {
  /** Orders put back to `queued` so far. */
  retried: number;
  /** Of those, how many are left to the sweeper because their enqueue failed. */
  enqueueFailed: number;
}

export interface BulkRetryOptions {
  /** Orders flipped per transaction; each batch commits before its orders are enqueued. */
  batchSize?: number;
  onProgress?: (progress: BulkRetryProgress) => void;
  onEnqueueFailed?: EnqueueFailed;
}

/**
 * Retries every order that is `errored` now, oldest first, in batches, so a large backlog never
 * holds one long transaction. Orders that error again while this runs are not retried twice.
 */
export async function retryErroredOrders(
  orm: Orm,
  queues: OrderQueues,
  { batchSize = 500, onProgress, onEnqueueFailed }: BulkRetryOptions = {},
): Promise<BulkRetryProgress> {
  const progress: BulkRetryProgress = { retried: 0, enqueueFailed: 0 };
  let afterSeq: string | null = null;
  for (;;) {
    const batch = await requeueErroredBatch(orm.em.fork(), afterSeq, batchSize);
    if (batch.length === 0) return progress;
    afterSeq = batch[batch.length - 1]!.accept_seq;
    // One job for the batch (per shard): the worker applies each player's queued orders by accept_seq.
    const delivered = await deliver(queues, batch, onEnqueueFailed);
    progress.retried += batch.length;
    if (!delivered) progress.enqueueFailed += batch.length;
    onProgress?.({ ...progress });
  }
}
