import type { Response } from 'express';
import type { PlayerOrderView } from '../domain/order.js';
import type { Submission } from '../stores/order-store.js';
import type { ApiDeps } from './deps.js';
import { waitForFinal } from './prefer-wait.js';

/**
 * A compatible API's write (PlayFab, LootLocker): the accept path every order takes, then a wait
 * until the order is final (or `waitSeconds` pass, the caller leaves, or the process stops). The
 * caller shapes the answer in its API's terms; a `conflict` is an idempotency key reused with
 * another request.
 */
export async function submitAndWait(
  deps: Pick<ApiDeps, 'orm' | 'telemetry' | 'acceptOrder' | 'finalOrders'>,
  res: Response,
  submission: Submission,
  waitSeconds: number,
): Promise<{ kind: 'conflict' } | { kind: 'answered'; order: PlayerOrderView }> {
  const outcome = await deps.acceptOrder(submission);
  if (outcome.kind === 'conflict') return { kind: 'conflict' };
  let callerGone = false;
  res.once('close', () => (callerGone = true));
  const order = await waitForFinal(
    deps.orm,
    outcome.order,
    waitSeconds,
    () => callerGone || deps.telemetry.readiness.isStopping,
    deps.finalOrders,
  );
  res.locals.orderLog = { order_id: order.order_id, player_uuid: order.player_uuid };
  return { kind: 'answered', order };
}
