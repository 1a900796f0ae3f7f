import { z } from 'zod';
import { inventoryPageSchema } from '../../domain/details.js';
import { orderPageSchema } from '../../domain/order.js';
import { collectionId, uuid } from '../../domain/schema-types.js';
import { BUCKETS, INVENTORY_TYPES, ORDER_STATUSES } from '../../domain/vocabulary.js';
import type { ResponseDoc } from '../../http/routes.js';
import { INVENTORY_CURSOR, listInventory } from '../../stores/inventory-store.js';
import { listOrders } from '../../stores/order-store.js';
import { apiRoute, type ApiDeps } from '../deps.js';

const playerParams = z.object({ player_uuid: uuid.describe('The player uuid') });
const limit = z.coerce.number().int().min(1).max(200).default(50).describe('Page size');
const cursor = (pattern: RegExp) =>
  z.string().regex(pattern, 'not a cursor this API gave out').describe('`next_cursor` of the previous page');

export const inventoryQuery = z.object({
  item_id: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  bucket: z.enum(BUCKETS).optional(),
  type: z.enum(INVENTORY_TYPES).optional(),
  collection_id: collectionId.default('default').describe('The collection to list (`default` unless named)'),
  limit,
  cursor: cursor(INVENTORY_CURSOR).optional(),
  include_expired: z.stringbool().default(false).describe('`true` to list expired records too'),
});

/** The query of an order listing; shared with `GET /v1/admin/orders`, which lists every player's. */
export const ordersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional().describe('Only orders in this status'),
  limit,
  cursor: cursor(/^\d{1,18}$/).optional(),
});

export const inventoryPageResponses: Record<number, ResponseDoc> = {
  200: { description: 'One page of records.', schema: inventoryPageSchema },
};
export const orderPageResponses: Record<number, ResponseDoc> = {
  200: { description: 'One page of orders.', schema: orderPageSchema },
};

/**
 * One page of a player's inventory; shared with `GET /v1/me/inventory`, whose player comes from the
 * token instead of the path.
 */
export async function readInventoryPage(
  { orm, catalogCache }: Pick<ApiDeps, 'orm' | 'catalogCache'>,
  query: z.output<typeof inventoryQuery>,
  playerUuid: string,
) {
  const em = orm.em.fork();
  return listInventory(em, await catalogCache.get(em), {
    playerUuid,
    itemId: query.item_id,
    bucket: query.bucket,
    type: query.type,
    collectionId: query.collection_id,
    limit: query.limit,
    cursor: query.cursor,
    includeExpired: query.include_expired,
  });
}

/** A player's inventory and orders, for game servers. */
export const playerRoutes = [
  apiRoute({
    method: 'get',
    path: '/v1/players/{player_uuid}/inventory',
    tag: 'players',
    summary: "A player's inventory, cursor-paginated",
    credentials: ['admin', 'server'],
    params: playerParams,
    query: inventoryQuery,
    errors: [503],
    responses: inventoryPageResponses,
    handle: async ({ params, query, res, deps }) => {
      res.json(await readInventoryPage(deps, query, params.player_uuid));
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/players/{player_uuid}/orders',
    tag: 'players',
    summary: "A player's orders, newest first, cursor-paginated",
    credentials: ['admin', 'server'],
    params: playerParams,
    query: ordersQuery,
    errors: [503],
    responses: orderPageResponses,
    handle: async ({ params, query, res, deps }) => {
      res.json(
        await listOrders(deps.orm.em.fork(), {
          playerUuid: params.player_uuid,
          status: query.status,
          limit: query.limit,
          cursor: query.cursor,
        }),
      );
    },
  }),
];
