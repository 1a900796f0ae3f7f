import { Router } from 'express';
import { z } from 'zod';
import { orderCreateSchema } from '../../domain/order.js';
import { orderId } from '../../domain/schema-types.js';
import { findOrder } from '../../stores/order-store.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../../http/errors.js';
import { preferredWait } from '../prefer-wait.js';
import { sendOrder, submitOrder } from '../submit-order.js';
import { parse } from '../validation.js';

export const orderParams = z.object({ order_id: orderId });

export function orderRoutes(deps: ApiDeps): Router {
  const { config, orm } = deps;
  const router = Router();
  router.use('/v1/orders', requireRole(config, ['admin', 'server']));

  router.post('/v1/orders', async (req, res) => {
    await submitOrder(deps, req, res, parse(orderCreateSchema, req, 'body'), 'server');
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
    await sendOrder(deps, res, order, wait);
  });
  return router;
}
