import { z } from 'zod';
import {
  checkOrderEntries,
  entryCreateSchema,
  orderCreateFields,
  type OrderCreate,
} from '../../domain/order.js';
import { MAX_ENTRIES_PER_ORDER } from '../../domain/vocabulary.js';
import { httpErrors } from '../../http/errors.js';
import { callingPlayer } from '../auth.js';
import { apiRoute } from '../deps.js';
import {
  acceptedResponses,
  answerOrderRead,
  dryRunAnswer,
  findOrderOrNotFound,
  readOrderResponses,
  submitOrder,
  submitQuery,
  type SendOrderOptions,
} from '../submit-order.js';
import { orderParams } from './orders.js';
import {
  historyPageResponses,
  historyQuery,
  inventoryPageResponses,
  inventoryQuery,
  readHistoryPage,
  readInventoryPage,
} from './players.js';

const orderFields = orderCreateFields.shape;
const entryFields = entryCreateSchema.shape;

/**
 * PlayerOrderCreate from a player client: orderCreateSchema with `player_uuid` optional (the
 * token's player is taken when it is left out; another player's is a 403).
 *
 * A player never chooses `order_id`: ids are shared by every caller, so a chosen one could squat
 * an id a platform event or a game server will need, and a 409 on it would tell that another
 * player's order exists. A client's idempotency key is `client_order_ref_id`, which is per player.
 */
export const playerOrderCreateSchema = orderCreateFields
  .extend({ player_uuid: orderFields.player_uuid.nullish() })
  .superRefine(checkOrderEntries)
  .superRefine((order, ctx) => {
    if (order.order_id == null) return;
    ctx.addIssue({
      code: 'custom',
      path: ['order_id'],
      message: 'a player client does not choose order_id; use client_order_ref_id as its idempotency key',
      params: { type: 'not_allowed' },
    });
  });

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

/** A player reads its orders back here, never at /v1/orders (a server route). */
const meLocation: SendOrderOptions = {
  locationOf: (id) => `/v1/me/orders/${encodeURIComponent(id)}`,
};

/**
 * The player client's endpoints. The player is always the token's: nothing here takes a player from
 * the path, and every order is submitted with `source: CLIENT`, so the engine applies the client's
 * rules (custom_data only, own records only, and so on).
 */
export const meRoutes = [
  apiRoute({
    method: 'get',
    path: '/v1/me/inventory',
    tag: 'player client',
    summary: "The calling player's inventory",
    credentials: ['player'],
    query: inventoryQuery,
    errors: [503],
    responses: inventoryPageResponses,
    handle: async ({ query, res, deps }) => {
      res.json(await readInventoryPage(deps, query, callingPlayer(res)));
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/me/history',
    tag: 'player client',
    summary: "The calling player's history: every change to their inventory, in effect order",
    credentials: ['player'],
    query: historyQuery,
    errors: [503],
    responses: historyPageResponses,
    handle: async ({ query, res, deps }) => {
      res.json(await readHistoryPage(deps, query, callingPlayer(res)));
    },
  }),
  apiRoute({
    method: 'post',
    path: '/v1/me/orders',
    tag: 'player client',
    summary: 'Submit an order as the calling player',
    description:
      "`player_uuid` may be left out (it is the token's; another is a 403). The source is forced to `CLIENT`.",
    credentials: ['player'],
    query: submitQuery,
    body: playerOrderCreateSchema,
    preferWait: true,
    errors: [409, 503],
    responses: acceptedResponses,
    handle: async ({ query, body, req, res, deps }) => {
      const player = callingPlayer(res);
      if ((body.player_uuid ?? player) !== player) {
        throw httpErrors.forbidden('a player token may only submit orders for its own player');
      }
      const create = { ...body, player_uuid: player, source: 'CLIENT' as const };
      if (query.dry_run) {
        res.json(await dryRunAnswer(deps, create));
        return;
      }
      await submitOrder(deps, req, res, create, 'client', meLocation);
    },
  }),
  apiRoute({
    method: 'get',
    path: '/v1/me/orders/{order_id}',
    tag: 'player client',
    summary: "Read one of the calling player's orders",
    description: "Another player's order is a 404.",
    credentials: ['player'],
    params: orderParams,
    preferWait: true,
    errors: [404, 503],
    responses: readOrderResponses,
    handle: async ({ params, req, res, deps }) => {
      const order = await findOrderOrNotFound(deps, params.order_id, callingPlayer(res));
      await answerOrderRead(deps, req, res, order, meLocation);
    },
  }),
  apiRoute({
    method: 'put',
    path: '/inventory/v2/player/me/inventory',
    tag: 'player client',
    summary: "Modify many of the calling player's records",
    description:
      'Becomes an order of `update_inventory` entries with `source: CLIENT`: a client may change only ' +
      '`custom_data`, only of its own records. A `count` left out leaves the count as it is.',
    credentials: ['player'],
    body: modifyManySchema,
    preferWait: true,
    errors: [409, 503],
    responses: acceptedResponses,
    handle: async ({ body, req, res, deps }) => {
      const create: OrderCreate = {
        player_uuid: callingPlayer(res),
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
    },
  }),
];
