import { z } from 'zod';
import {
  deliveryPageSchema,
  deliveryViewSchema,
  DELIVERY_STATUSES,
  subscriptionListSchema,
  subscriptionsPutSchema,
} from '../../domain/events.js';
import { uuid } from '../../domain/schema-types.js';
import { httpErrors } from '../../http/errors.js';
import { enqueueStreams } from '../../queue/event-queue.js';
import {
  listDeliveries,
  listSubscriptions,
  putSubscriptions,
  replayDelivery,
} from '../../stores/deliveries-store.js';
import { apiRoute } from '../deps.js';
import { cursor, limit } from './players.js';

const subscriptionsResponses = {
  200: { description: 'The subscriptions (their secrets are never shown).', schema: subscriptionListSchema },
};

const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional().describe('Only deliveries in this status'),
  player_uuid: uuid.optional().describe("Only this player's events"),
  limit,
  cursor: cursor(/^\d{1,18}$/).optional(),
});

/** Events out for ops: who receives which events, and every delivery, to read and to replay. */
export const adminEventRoutes = [
  apiRoute({
    method: 'put',
    path: '/v1/admin/subscriptions',
    tag: 'operations',
    summary: 'Set the endpoints that receive events (order.finished, order.refunded)',
    description:
      'Replaces the set, by url: a url kept keeps its deliveries; a url left out is removed with them. ' +
      'Each endpoint gets every final order of the events it names, signed as Standard Webhooks with its `secret` ' +
      "(`whsec_` and base64), at least once, each player's events in effect order.",
    credentials: ['admin'],
    body: subscriptionsPutSchema,
    errors: [503],
    responses: subscriptionsResponses,
    handle: async ({ body, res, deps }) => {
      res.json(await putSubscriptions(deps.orm.em.fork(), body.subscriptions));
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/admin/subscriptions',
    tag: 'operations',
    summary: 'The endpoints that receive events',
    credentials: ['admin'],
    errors: [503],
    responses: subscriptionsResponses,
    handle: async ({ res, deps }) => {
      res.json(await listSubscriptions(deps.orm.em.fork()));
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/admin/deliveries',
    tag: 'operations',
    summary: 'The delivery log of events out, newest first, cursor-paginated',
    credentials: ['admin'],
    query: deliveriesQuery,
    errors: [503],
    responses: { 200: { description: 'One page of deliveries.', schema: deliveryPageSchema } },
    handle: async ({ query, res, deps }) => {
      res.json(
        await listDeliveries(deps.orm.em.fork(), {
          status: query.status,
          playerUuid: query.player_uuid,
          limit: query.limit,
          cursor: query.cursor,
        }),
      );
    },
  }),
  apiRoute({
    method: 'post',
    path: '/v1/admin/deliveries/{delivery_id}/replay',
    tag: 'operations',
    summary: 'Send a delivery again (delivered or failed), with the same webhook-id',
    credentials: ['admin'],
    params: z.object({ delivery_id: z.string().regex(/^\d{1,18}$/, 'not a delivery id') }),
    errors: [404, 503],
    responses: { 202: { description: 'Pending again; sent in its turn.', schema: deliveryViewSchema } },
    handle: async ({ params, res, deps }) => {
      const replayed = await replayDelivery(deps.orm.em.fork(), params.delivery_id);
      if (!replayed) throw httpErrors.deliveryNotFound(params.delivery_id);
      // Pending in PostgreSQL already: should this enqueue fail, the sweeper sends it.
      await enqueueStreams(deps.eventQueue, [replayed.stream]).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'replayed delivery not enqueued; left to the sweeper'),
      );
      res.status(202).json(replayed.delivery);
    },
  }),
];
