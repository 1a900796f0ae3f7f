import { z } from 'zod';
import { inventoryPageSchema } from '../../domain/details.js';
import { historyPageSchema } from '../../domain/history.js';
import { orderPageSchema } from '../../domain/order.js';
import { collectionId, uuid, zonedDateTime } from '../../domain/schema-types.js';
import { BUCKETS, INVENTORY_TYPES, ORDER_STATUSES } from '../../domain/vocabulary.js';
import type { ResponseDoc } from '../../http/routes.js';
import { HISTORY_CURSOR, readHistory } from '../../stores/history-store.js';
import { INVENTORY_CURSOR, listInventory } from '../../stores/inventory-store.js';
import { listOrders } from '../../stores/order-store.js';
import { apiRoute, type ApiDeps } from '../deps.js';

const playerParams = z.object({ player_uuid: uuid.describe('The player uuid') });
/** A listing's page size and cursor, shared by every cursor-paginated route. */
export const limit = z.coerce.number().int().min(1).max(200).default(50).describe('Page size');
export const cursor = (pattern: RegExp) =>
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

export const historyQuery = z.object({
  limit,
  cursor: cursor(HISTORY_CURSOR).optional(),
  since: zonedDateTime.optional().describe('Only changes that took effect at or after this time'),
  item_id: z.coerce.number().int().min(1).max(2_147_483_647).optional().describe('Only changes to this item'),
});

export const historyPageResponses: Record<number, ResponseDoc> = {
  200: { description: 'One page of changes, oldest first.', schema: historyPageSchema },
};

/** One page of a player's history; shared with `GET /v1/me/history`. */
export async function readHistoryPage(
  { orm }: Pick<ApiDeps, 'orm'>,
  query: z.output<typeof historyQuery>,
  playerUuid: string,
) {
  return readHistory(orm.em.fork(), {
    playerUuid,
    limit: query.limit,
    cursor: query.cursor,
    since: query.since === undefined ? undefined : new Date(query.since),
    itemId: query.item_id,
  });
}

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
  apiRoute({
    method: 'get',
    path: '/v1/players/{player_uuid}/history',
    tag: 'players',
    summary: "A player's history: every change to their inventory, in effect order, cursor-paginated",
    description:
      'One change per record an entry changed, with the record before and after, the order and entry, ' +
      'and the platform event or compatible-API call behind it.',
    credentials: ['admin', 'server'],
    params: playerParams,
    query: historyQuery,
    errors: [503],
    responses: historyPageResponses,
    handle: async ({ params, query, res, deps }) => {
      res.json(await readHistoryPage(deps, query, params.player_uuid));
    },
  }),
];
