import { Router, type Request } from 'express';
import { z } from 'zod';
import { INVENTORY_CURSOR, listInventory, type InventoryPage } from '../../stores/inventory-store.js';
import { listOrders } from '../../stores/order-store.js';
import { uuid } from '../../domain/schema-types.js';
import { BUCKETS, INVENTORY_TYPES, ORDER_STATUSES } from '../../domain/vocabulary.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { parse } from '../validation.js';

export const playerParams = z.object({ player_uuid: uuid });
const limit = z.coerce.number().int().min(1).max(200).default(50);

export const inventoryQuery = z.object({
  item_id: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  bucket: z.enum(BUCKETS).optional(),
  type: z.enum(INVENTORY_TYPES).optional(),
  limit,
  cursor: z.string().regex(INVENTORY_CURSOR, 'not a cursor this API gave out').optional(),
  include_expired: z.stringbool().default(false),
});

/** The query of an order listing; shared with `GET /v1/admin/orders`, which lists every player's. */
export const ordersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  limit,
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'not a cursor this API gave out')
    .optional(),
});

/**
 * One page of a player's inventory, from the query of `GET /v1/players/{uuid}/inventory`; shared with
 * `GET /v1/me/inventory`, whose player comes from the token instead of the path.
 */
export async function readInventoryPage(
  { orm, catalogCache }: Pick<ApiDeps, 'orm' | 'catalogCache'>,
  req: Request,
  playerUuid: string,
): Promise<InventoryPage> {
  const query = parse(inventoryQuery, req, 'query');
  const em = orm.em.fork();
  return listInventory(em, await catalogCache.get(em), {
    playerUuid,
    itemId: query.item_id,
    bucket: query.bucket,
    type: query.type,
    limit: query.limit,
    cursor: query.cursor,
    includeExpired: query.include_expired,
  });
}

export function playerRoutes(deps: ApiDeps): Router {
  const { config, orm } = deps;
  const router = Router();
  router.use('/v1/players', requireRole(config, ['admin', 'server']));

  router.get('/v1/players/:player_uuid/inventory', async (req, res) => {
    const { player_uuid } = parse(playerParams, req, 'params');
    res.json(await readInventoryPage(deps, req, player_uuid));
  });

  router.get('/v1/players/:player_uuid/orders', async (req, res) => {
    const { player_uuid } = parse(playerParams, req, 'params');
    const query = parse(ordersQuery, req, 'query');
    res.json(
      await listOrders(orm.em.fork(), {
        playerUuid: player_uuid,
        status: query.status,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  });
  return router;
}
