import type { Request, Response } from 'express';
import { refundOrderOf, whyNotRefundable } from '../domain/refunds.js';
import type { PlayerOrderView } from '../domain/order.js';
import { httpErrors } from '../http/errors.js';
import { revokeTransaction, transactionsFulfilledBy } from '../stores/refunds-store.js';
import type { ApiDeps } from './deps.js';
import { preferredWait } from './prefer-wait.js';
import { sendOrder } from './submit-order.js';

type RefundDeps = Pick<ApiDeps, 'orm' | 'telemetry' | 'acceptOrder' | 'finalOrders'>;

/**
 * Accepts the refund of `original`, on the one accept path: its id is derived from the original's,
 * so asking again is a replay of the same refund, which is applied once. The platform transactions
 * the original fulfilled are marked revoked (they were spent already: none can be fulfilled again).
 */
export async function acceptRefund(
  deps: RefundDeps,
  original: PlayerOrderView,
): Promise<{ refund: PlayerOrderView; replayed: boolean }> {
  const why = whyNotRefundable(original);
  if (why) throw httpErrors.orderNotRefundable(original.order_id, why);
  const outcome = await deps.acceptOrder({
    create: refundOrderOf(original),
    scope: 'server',
    refundOf: original.order_id,
  });
  // The refund's id and body both follow from the original, which a final order keeps as it is.
  if (outcome.kind === 'conflict') throw httpErrors.idempotencyConflict();
  const em = deps.orm.em.fork();
  for (const transaction of transactionsFulfilledBy(original)) {
    await revokeTransaction(em, transaction, original.player_uuid);
  }
  return { refund: outcome.order, replayed: outcome.kind === 'replayed' };
}

/** `POST /v1/orders/{order_id}/refund`: the refund, answered as a submit is. */
export async function submitRefund(deps: RefundDeps, req: Request, res: Response, original: PlayerOrderView) {
  const { refund, replayed } = await acceptRefund(deps, original);
  await sendOrder(deps, res, refund, preferredWait(req), replayed);
}
