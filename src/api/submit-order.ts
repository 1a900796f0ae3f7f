import type { Request, Response } from 'express';
import { z } from 'zod';
import { queuedOrderOf, type OrderCreate } from '../domain/order.js';
import { dryRunOrder } from '../stores/dry-run.js';
import { findOrder } from '../stores/order-store.js';
import { isFinal, playerOrderSchema, type PlayerOrderView, type SubmitterScope } from '../domain/order.js';
import type { ApiDeps } from './deps.js';
import { httpErrors } from '../http/errors.js';
import type { ResponseDoc } from '../http/routes.js';
import { preferredWait, waitForFinal } from './prefer-wait.js';

const location = { Location: 'Where the order is read back.' };

/** What a submit answers. */
export const acceptedResponses: Record<number, ResponseDoc> = {
  202: {
    description: 'Accepted: stored durably and queued (`status: queued`); read it back at `Location`.',
    schema: playerOrderSchema,
    headers: location,
  },
  200: {
    description:
      'The order is final (with `Prefer: wait`), or this is a replay of an order already accepted ' +
      '(`Idempotent-Replayed: true`).',
    schema: playerOrderSchema,
    headers: {
      ...location,
      'Idempotent-Replayed': '`true` when the same key and body were accepted before.',
    },
  },
};

/** What a read of one order answers. */
export const readOrderResponses: Record<number, ResponseDoc> = {
  200: {
    description: 'The order (final, or its current state after `Prefer: wait` ran out).',
    schema: playerOrderSchema,
  },
  202: {
    description: 'With `Prefer: wait`: not final yet when the wait ran out.',
    schema: playerOrderSchema,
  },
};

export interface SendOrderOptions {
  /** The `Location` a caller reads the order back from (default `/v1/orders/{order_id}`). */
  locationOf?: (orderId: string) => string;
}

const defaultLocation = (orderId: string) => `/v1/orders/${encodeURIComponent(orderId)}`;

/** 200 once the order is final (or on a replay); 202 while it is still on its way. */
export async function sendOrder(
  { orm, telemetry, finalOrders }: Pick<ApiDeps, 'orm' | 'telemetry' | 'finalOrders'>,
  res: Response,
  order: PlayerOrderView,
  wait: number | null,
  replayed = false,
  { locationOf = defaultLocation }: SendOrderOptions = {},
): Promise<void> {
  res.locals.orderLog = { order_id: order.order_id, player_uuid: order.player_uuid };
  // Stop waiting when the caller has gone, or the process is shutting down.
  let callerGone = false;
  res.once('close', () => (callerGone = true));
  const stopWaiting = () => callerGone || telemetry.readiness.isStopping;
  const shown = wait === null ? order : await waitForFinal(orm, order, wait, stopWaiting, finalOrders);
  res.set('Location', locationOf(shown.order_id));
  if (replayed) res.set('Idempotent-Replayed', 'true');
  if (wait !== null) res.set('Preference-Applied', `wait=${wait}`);
  res.status(replayed || isFinal(shown.status) ? 200 : 202).json(shown);
}

/** The order `orderId`, or a 404; with `player`, another player's order is a 404 too. */
export async function findOrderOrNotFound(
  { orm }: Pick<ApiDeps, 'orm'>,
  orderId: string,
  player?: string,
): Promise<PlayerOrderView> {
  const order = await findOrder(orm.em.fork(), orderId);
  // Another player's order is answered exactly like one that does not exist.
  if (!order || (player !== undefined && order.player_uuid !== player))
    throw httpErrors.orderNotFound(orderId);
  return order;
}

/** A read of one order: 200 with it as it is, or, with `Prefer: wait`, as sendOrder answers. */
export async function answerOrderRead(
  deps: Pick<ApiDeps, 'orm' | 'telemetry' | 'finalOrders'>,
  req: Request,
  res: Response,
  order: PlayerOrderView,
  options?: SendOrderOptions,
): Promise<void> {
  const wait = preferredWait(req);
  if (wait === null) {
    res.json(order);
    return;
  }
  await sendOrder(deps, res, order, wait, false, options);
}

/**
 * The one accept path for every caller that submits an order (game servers, players, platform
 * webhooks, each in its own idempotency scope): store it durably and idempotently, enqueue it
 * (both batched with concurrent submits: accept-orders.ts), answer 202 (200 with `Prefer: wait`
 * once final, 200 `Idempotent-Replayed` on a replay, 409 on the same key with another body).
 */
export async function submitOrder(
  deps: Pick<ApiDeps, 'orm' | 'telemetry' | 'acceptOrder' | 'finalOrders'>,
  req: Request,
  res: Response,
  create: OrderCreate,
  scope: SubmitterScope,
  options: SendOrderOptions = {},
): Promise<void> {
  const outcome = await deps.acceptOrder({ create, scope });
  if (outcome.kind === 'conflict') throw httpErrors.idempotencyConflict();
  await sendOrder(deps, res, outcome.order, preferredWait(req), outcome.kind === 'replayed', options);
}

/** `?dry_run=true` on a submit. */
export const submitQuery = z.object({
  dry_run: z
    .stringbool()
    .default(false)
    .describe(
      "`true`: answer 200 with the results and details the order would have against the player's " +
        'inventory as it is now, storing and changing nothing (`order_id` only if given).',
    ),
});

/** A dry run's answer: the order as it would end, marked `dry_run`; nothing of it is stored. */
export async function dryRunAnswer(
  deps: Pick<ApiDeps, 'orm' | 'catalogCache' | 'config'>,
  create: OrderCreate,
) {
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
