import { Router, type Response } from 'express';
import { z } from 'zod';
import { orderCreateSchema } from '../../domain/order-request.js';
import { orderId } from '../../domain/schema-types.js';
import { acceptOrder, findOrder, isFinal, type PlayerOrderView } from '../../domain/orders.js';
import { enqueueOrderPromptly } from '../../workers/queue.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { preferredWait, waitForFinal } from '../prefer-wait.js';
import { parse } from '../validation.js';

const ENQUEUE_TIMEOUT_MS = 1000;

const orderParams = z.object({ order_id: orderId });

export function orderRoutes(deps: ApiDeps): Router {
  const { config, orm, queue, logger } = deps;
  const router = Router();
  router.use('/v1/orders', requireRole(config, ['admin', 'server']));

  /** 200 once the order is final; 202 while it is still on its way. */
  const sendOrder = async (res: Response, order: PlayerOrderView, wait: number | null, replayed = false) => {
    const shown = wait === null ? order : await waitForFinal(orm, order, wait);
    res.set('Location', `/v1/orders/${encodeURIComponent(shown.order_id)}`);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    if (wait !== null) res.set('Preference-Applied', `wait=${wait}`);
    res.status(replayed || isFinal(shown.status) ? 200 : 202).json(shown);
  };

  router.post('/v1/orders', async (req, res) => {
    const create = parse(orderCreateSchema, req, 'body');
    const outcome = await acceptOrder(orm.em.fork(), create);
    if (outcome.kind === 'conflict') {
      throw HttpError.of(409, 'idempotency_conflict', 'an order with this key exists with a different body');
    }
    if (outcome.kind === 'accepted') {
      try {
        await enqueueOrderPromptly(
          queue,
          { order_id: outcome.order.order_id, player_uuid: outcome.order.player_uuid },
          ENQUEUE_TIMEOUT_MS,
        );
      } catch (error) {
        // The order is durable; the sweeper delivers it once the queue is reachable again.
        logger.warn(
          { order_id: outcome.order.order_id, err: String(error) },
          'enqueue failed; left to the sweeper',
        );
      }
    }
    await sendOrder(res, outcome.order, preferredWait(req), outcome.kind === 'replayed');
  });

  router.get('/v1/orders/:order_id', async (req, res) => {
    const { order_id } = parse(orderParams, req, 'params');
    const order = await findOrder(orm.em.fork(), order_id);
    if (!order) throw HttpError.of(404, 'order_not_found', `no order ${order_id}`);
    const wait = preferredWait(req);
    if (wait === null) {
      res.json(order);
      return;
    }
    await sendOrder(res, order, wait);
  });
  return router;
}
