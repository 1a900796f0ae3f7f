import { z } from 'zod';
import { orderCreateSchema, queuedOrderOf, type OrderCreate } from '../../domain/order.js';
import { dryRunOrder } from '../../stores/dry-run.js';
import { orderId } from '../../domain/schema-types.js';
import { apiRoute, type ApiDeps } from '../deps.js';
import {
  acceptedResponses,
  answerOrderRead,
  findOrderOrNotFound,
  readOrderResponses,
  submitOrder,
} from '../submit-order.js';

const submitQuery = z.object({
  dry_run: z
    .stringbool()
    .default(false)
    .describe(
      "`true`: answer 200 with the results and details the order would have against the player's " +
        'inventory as it is now, storing and changing nothing (`order_id` only if given).',
    ),
});

/** A dry run's answer: the order as it would end, marked `dry_run`; nothing of it is stored. */
async function dryRun(deps: ApiDeps, create: OrderCreate) {
  const order = queuedOrderOf(create);
  const applied = await dryRunOrder(deps.orm.em.fork(), order, {
    catalogCache: deps.catalogCache,
    promotionFailureLimit: deps.config.PROMO_FAILURE_LIMIT,
    promotionFailureWindowSeconds: deps.config.PROMO_FAILURE_WINDOW_SECONDS,
  });
  const { order_id: orderId, ...header } = order;
  return {
    ...(create.order_id != null && { order_id: orderId }),
    ...header,
    status: applied.status,
    applied_seq: null,
    dry_run: true,
    entries: applied.entries,
  };
}

export const orderParams = z.object({
  order_id: orderId.describe('1 to 64 of A-Z a-z 0-9 _ -; a platform event is `<platform>:<event id>`'),
});

/** Player Orders from game servers (and ops): submit, read, wait for final. */
export const orderRoutes = [
  apiRoute({
    method: 'post',
    path: '/v1/orders',
    tag: 'orders',
    summary: 'Submit a Player Order',
    description:
      'Idempotent on `order_id` and on (`player_uuid`, `client_order_ref_id`): the same key with the same ' +
      'body is a 200 replay, with another body a 409 `idempotency_conflict`.',
    credentials: ['admin', 'server'],
    query: submitQuery,
    body: orderCreateSchema,
    preferWait: true,
    errors: [409, 503],
    responses: acceptedResponses,
    handle: async ({ query, body, req, res, deps }) => {
      if (query.dry_run) {
        res.json(await dryRun(deps, body));
        return;
      }
      await submitOrder(deps, req, res, body, 'server');
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/orders/{order_id}',
    tag: 'orders',
    summary: 'Read a Player Order',
    credentials: ['admin', 'server'],
    params: orderParams,
    preferWait: true,
    errors: [404, 503],
    responses: readOrderResponses,
    handle: async ({ params, req, res, deps }) => {
      await answerOrderRead(deps, req, res, await findOrderOrNotFound(deps, params.order_id));
    },
  }),
];
