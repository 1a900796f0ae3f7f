import { Router } from 'express';
import { z } from 'zod';
import { listOrders } from '../../stores/order-store.js';
import { orderId } from '../../domain/schema-types.js';
import { retryErroredOrder, retryErroredOrders, type EnqueueFailed } from '../../queue/retry-orders.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../../http/errors.js';
import { preferredWait } from '../prefer-wait.js';
import { sendOrder } from '../submit-order.js';
import { parse } from '../validation.js';
import { ordersQuery } from './players.js';

export const adminOrderParams = z.object({ order_id: orderId });

/** Bulk retry names the status it retries, so a mistyped query cannot re-run the wrong orders. */
export const bulkRetryQuery = z.object({ status: z.literal('errored') });

/**
 * Ops' view of every player's orders, and the retry of `errored` ones. The
 * retry logic is shared with the ops CLI (src/queue/retry-orders.ts); these handlers only adapt HTTP.
 */
export function adminOrderRoutes(deps: ApiDeps): Router {
  const { config, orm, queue, logger } = deps;
  const router = Router();
  router.use('/v1/admin/orders', requireRole(config, ['admin']));

  const enqueueFailed: EnqueueFailed = (order_id, error) =>
    logger.warn({ order_id, err: error }, 'retried order not enqueued; left to the sweeper');

  router.get('/v1/admin/orders', async (req, res) => {
    const query = parse(ordersQuery, req, 'query');
    res.json(
      await listOrders(orm.em.fork(), { status: query.status, limit: query.limit, cursor: query.cursor }),
    );
  });

  router.post('/v1/admin/orders/retry', async (req, res) => {
    parse(bulkRetryQuery, req, 'query');
    const { retried, enqueueFailed: notEnqueued } = await retryErroredOrders(orm, queue, {
      onEnqueueFailed: enqueueFailed,
    });
    logger.info({ retried, not_enqueued: notEnqueued }, 'errored orders retried');
    res.json({ retried });
  });

  router.post('/v1/admin/orders/:order_id/retry', async (req, res) => {
    const { order_id } = parse(adminOrderParams, req, 'params');
    const outcome = await retryErroredOrder(orm, queue, order_id, enqueueFailed);
    if (outcome.kind === 'not_found') throw HttpError.of(404, 'order_not_found', `no order ${order_id}`);
    if (outcome.kind === 'not_errored') {
      throw HttpError.of(
        409,
        'order_not_errored',
        `order ${order_id} is ${outcome.order.status}; only an errored order can be retried`,
      );
    }
    logger.info({ order_id, player_uuid: outcome.order.player_uuid }, 'errored order retried');
    // 202 with the order queued again (200 once final when `Prefer: wait` is sent, as on a submit).
    await sendOrder(deps, res, outcome.order, preferredWait(req));
  });
  return router;
}
