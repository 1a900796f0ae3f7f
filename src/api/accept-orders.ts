import { counterpartiesOf } from '../domain/apply-order.js';
import { naturalBatches } from '../natural-batches.js';
import { enqueuePlayersPromptly } from '../queue/order-queue.js';
import { acceptOrders, type AcceptResult, type Submission } from '../stores/order-store.js';
import type { ApiDeps } from './deps.js';

/** Most orders stored by one statement. */
const MAX_ACCEPT_BATCH = 100;
const ENQUEUE_TIMEOUT_MS = 1000;

export type OrderAccepter = (submission: Submission) => Promise<AcceptResult>;

/**
 * The accept path's store-and-enqueue, shared by every submit in this process: concurrent submits
 * are stored by one insert (which commits before anyone is answered, so no 202 goes out
 * before its order is durable), then given one job naming their players, and each caller gets its
 * own answer.
 *
 * Not one transaction on purpose: a connection that dies inside one makes knex answer "Transaction
 * query already complete" instead of the cause, and the caller a 500 instead of a 503. Should the
 * database fail after the insert committed, the batch is run again one order at a time, and an
 * order the insert had stored is then answered as the replay it has become (200); its job is left
 * to the sweeper.
 */
export function createOrderAccepter({
  orm,
  queue,
  logger,
  telemetry,
}: Pick<ApiDeps, 'orm' | 'queue' | 'logger' | 'telemetry'>): OrderAccepter {
  return naturalBatches(async (submissions: Submission[]) => {
    const results = await acceptOrders(orm.em.fork(), submissions);
    const accepted = results.flatMap(({ kind, order }) => (kind === 'accepted' ? [order] : []));
    if (accepted.length > 0) {
      telemetry.metrics.ordersAccepted.inc(accepted.length);
      try {
        // A transfer's receiver is named too, in the giver's job, so the worker locks both players
        // in one statement.
        await enqueuePlayersPromptly(
          queue,
          accepted.map((order) => [order.player_uuid, ...counterpartiesOf(order)]),
          ENQUEUE_TIMEOUT_MS,
        );
      } catch (error) {
        // The orders are durable; the sweeper delivers them once the queue is reachable again.
        logger.warn(
          { order_ids: accepted.map((order) => order.order_id), err: error },
          'enqueue failed; left to the sweeper',
        );
      }
    }
    return results;
  }, MAX_ACCEPT_BATCH);
}
