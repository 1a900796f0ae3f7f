import { Router } from 'express';
import { z } from 'zod';
import { entryCreateSchema, orderCreateSchema, type OrderCreate } from '../../domain/order.js';
import { findOrder } from '../../stores/order-store.js';
import { orderId } from '../../domain/schema-types.js';
import { MAX_ENTRIES_PER_ORDER } from '../../domain/vocabulary.js';
import { callingPlayer, requireRole } from '../auth.js';
import { playerRateLimit } from '../rate-limit.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../../http/errors.js';
import { preferredWait } from '../prefer-wait.js';
import { sendOrder, submitOrder, type SendOrderOptions } from '../submit-order.js';
import { parse } from '../validation.js';
import { readInventoryPage } from './players.js';

/**
 * The player client's endpoints. The player is always the token's:
 * nothing here takes a player from the path, and every order is submitted with `source: CLIENT`,
 * so the engine applies the client's rules (custom_data only, own records only, and so on).
 */

const orderFields = orderCreateSchema.shape;
const entryFields = entryCreateSchema.shape;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * PlayerOrderCreate from a player client: validated by orderCreateSchema itself, with `player_uuid`
 * filled in from the token when left out. (zod refuses `.omit`/`.extend` of a key on a refined
 * object, and a schema that only looks like it would drift from the domain's.)
 *
 * A player never chooses `order_id`: ids are shared by every caller, so a chosen one could squat
 * an id a platform event or a game server will need, and a 409 on it would tell that another
 * player's order exists. A client's idempotency key is `client_order_ref_id`, which is per player.
 */
export function playerOrderCreateSchema(playerUuid: string) {
  return z.preprocess(
    (value) =>
      isPlainObject(value) && value.player_uuid == null ? { ...value, player_uuid: playerUuid } : value,
    orderCreateSchema.superRefine((order, ctx) => {
      if (order.order_id == null) return;
      ctx.addIssue({
        code: 'custom',
        path: ['order_id'],
        message: 'a player client does not choose order_id; use client_order_ref_id as its idempotency key',
        params: { type: 'not_allowed' },
      });
    }),
  );
}

/**
 * Modify Many: one Update Inventory Request per record. `count` has no default here: a default
 * of 1 (as the original API has) would overwrite the count of every record a client only re-tags.
 * `bucket` is accepted and ignored, as every bucket is for a CLIENT order.
 */
export const modifyManySchema = z.object({
  source: orderFields.source,
  client_order_ref_id: orderFields.client_order_ref_id,
  inventory: z
    .array(
      z.object({
        inventory_id: entryFields.inventory_id.unwrap().unwrap(),
        count: entryFields.quantity,
        item_id: entryFields.item_id,
        bucket: entryFields.use_inventory_bucket,
        expires: entryFields.expires,
        custom_data: entryFields.custom_data,
      }),
    )
    .min(1)
    .max(MAX_ENTRIES_PER_ORDER),
});

export const orderParams = z.object({ order_id: orderId });

/** A player reads its orders back here, never at /v1/orders (a server route). */
const meLocation: SendOrderOptions = {
  locationOf: (id) => `/v1/me/orders/${encodeURIComponent(id)}`,
};

export function meRoutes(deps: ApiDeps): Router {
  const { config, orm } = deps;
  const router = Router();
  const playerOnly = [requireRole(config, ['player']), playerRateLimit(config.PLAYER_RATE_LIMIT_PER_MINUTE)];
  router.use('/v1/me', ...playerOnly);

  router.get('/v1/me/inventory', async (req, res) => {
    res.json(await readInventoryPage(deps, req, callingPlayer(res)));
  });

  router.post('/v1/me/orders', async (req, res) => {
    const player = callingPlayer(res);
    const body = parse(playerOrderCreateSchema(player), req, 'body');
    if (body.player_uuid !== player) {
      throw HttpError.auth(403, 'forbidden', 'a player token may only submit orders for its own player');
    }
    await submitOrder(deps, req, res, { ...body, source: 'CLIENT' }, 'client', meLocation);
  });

  router.get('/v1/me/orders/:order_id', async (req, res) => {
    const player = callingPlayer(res);
    const { order_id } = parse(orderParams, req, 'params');
    const order = await findOrder(orm.em.fork(), order_id);
    // Another player's order is answered exactly like one that does not exist.
    if (!order || order.player_uuid !== player) {
      throw HttpError.of(404, 'order_not_found', `no order ${order_id}`);
    }
    const wait = preferredWait(req);
    if (wait === null) {
      res.json(order);
      return;
    }
    await sendOrder(deps, res, order, wait, false, meLocation);
  });

  router.put('/inventory/v2/player/me/inventory', ...playerOnly, async (req, res) => {
    const player = callingPlayer(res);
    const body = parse(modifyManySchema, req, 'body');
    const create: OrderCreate = {
      player_uuid: player,
      source: 'CLIENT',
      client_order_ref_id: body.client_order_ref_id,
      entries: body.inventory.map((record) => ({
        type: 'update_inventory',
        inventory_id: record.inventory_id,
        quantity: record.count,
        item_id: record.item_id,
        expires: record.expires,
        custom_data: record.custom_data,
      })),
    };
    await submitOrder(deps, req, res, create, 'client', meLocation);
  });
  return router;
}
