import { z } from 'zod';
import { orderCreateSchema } from '../../domain/order.js';
import { orderId } from '../../domain/schema-types.js';
import { apiRoute } from '../deps.js';
import { submitRefund } from '../refunds.js';
import {
  acceptedResponses,
  answerOrderRead,
  dryRunAnswer,
  findOrderOrNotFound,
  readOrderResponses,
  submitOrder,
  submitQuery,
} from '../submit-order.js';

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
        res.json(await dryRunAnswer(deps, body));
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
  apiRoute({
    method: 'post',
    path: '/v1/orders/{order_id}/refund',
    tag: 'orders',
    summary: 'Refund an order: take back what it granted, return what it spent',
    description:
      'Accepts a compensating order (`refund_of` the original, source `REFUND`): per stack, what the ' +
      'original granted is taken back (`revoke_inventory`, as much as the player still holds) and what it ' +
      'spent is returned (`add_inventory_stack`). What could not be taken back is listed in the ' +
      "refund's `not_taken_back` once final. Platform transactions the original fulfilled are revoked. " +
      'An order is refunded at most once: asking again answers the same refund (200, ' +
      '`Idempotent-Replayed: true`). Only an order that took effect, and is not itself a refund, can be ' +
      'refunded (else 409 `order_not_refundable`).',
    credentials: ['admin', 'server'],
    params: orderParams,
    preferWait: true,
    errors: [404, 409, 503],
    responses: acceptedResponses,
    handle: async ({ params, req, res, deps }) => {
      await submitRefund(deps, req, res, await findOrderOrNotFound(deps, params.order_id));
    },
  }),
];
