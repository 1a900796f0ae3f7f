import { z } from 'zod';
import { playerOrderSchema } from '../../domain/order.js';
import { httpErrors } from '../../http/errors.js';
import { retryErroredOrder, retryErroredOrders, type EnqueueFailed } from '../../queue/retry-orders.js';
import { listOrders } from '../../stores/order-store.js';
import type { Logger } from '../../logger.js';
import { apiRoute } from '../deps.js';
import { preferredWait } from '../prefer-wait.js';
import { sendOrder } from '../submit-order.js';
import { orderParams } from './orders.js';
import { orderPageResponses, ordersQuery } from './players.js';

/** Bulk retry names the status it retries, so a mistyped query cannot re-run the wrong orders. */
const bulkRetryQuery = z.object({ status: z.literal('errored').describe('The status to retry: `errored`') });

const enqueueFailed =
  (logger: Logger): EnqueueFailed =>
  (order_ids, error) =>
    logger.warn({ order_ids, err: error }, 'retried orders not enqueued; left to the sweeper');

/**
 * Ops' view of every player's orders, and the retry of `errored` ones. The retry logic is shared
 * with the ops CLI (src/queue/retry-orders.ts); these handlers only adapt HTTP.
 */
export const adminOrderRoutes = [
  apiRoute({
    method: 'get',
    path: '/v1/admin/orders',
    tag: 'operations',
    summary: 'List orders by status (e.g. `errored`), cursor-paginated',
    credentials: ['admin'],
    query: ordersQuery,
    errors: [503],
    responses: orderPageResponses,
    handle: async ({ query, res, deps }) => {
      res.json(
        await listOrders(deps.orm.em.fork(), {
          status: query.status,
          limit: query.limit,
          cursor: query.cursor,
        }),
      );
    },
  }),
  apiRoute({
    method: 'post',
    path: '/v1/admin/orders/{order_id}/retry',
    tag: 'operations',
    summary: 'Re-queue one errored order',
    description: '409 unless the order is `errored`; 404 if unknown. A retried order is still applied once.',
    credentials: ['admin'],
    params: orderParams,
    preferWait: true,
    errors: [404, 409, 503],
    responses: {
      202: { description: 'Re-queued (`status: queued`).', schema: playerOrderSchema },
      200: {
        description: 'With `Prefer: wait`: the order reached a final status.',
        schema: playerOrderSchema,
      },
    },
    handle: async ({ params: { order_id }, req, res, deps }) => {
      const outcome = await retryErroredOrder(deps.orm, deps.queue, order_id, enqueueFailed(deps.logger));
      if (outcome.kind === 'not_found') throw httpErrors.orderNotFound(order_id);
      if (outcome.kind === 'not_errored') throw httpErrors.orderNotErrored(order_id, outcome.order.status);
      deps.logger.info({ order_id, player_uuid: outcome.order.player_uuid }, 'errored order retried');
      // 202 with the order queued again (200 once final when `Prefer: wait` is sent, as on a submit).
      await sendOrder(deps, res, outcome.order, preferredWait(req));
    },
  }),
  apiRoute({
    method: 'post',
    path: '/v1/admin/orders/retry',
    tag: 'operations',
    summary: 'Re-queue every errored order',
    credentials: ['admin'],
    query: bulkRetryQuery,
    errors: [503],
    responses: {
      200: {
        description: 'How many orders were re-queued.',
        schema: z.object({ retried: z.number().int().min(0) }),
      },
    },
    handle: async ({ res, deps: { orm, queue, logger } }) => {
      const { retried, enqueueFailed: notEnqueued } = await retryErroredOrders(orm, queue, {
        onEnqueueFailed: enqueueFailed(logger),
      });
      logger.info({ retried, not_enqueued: notEnqueued }, 'errored orders retried');
      res.json({ retried });
    },
  }),
];
