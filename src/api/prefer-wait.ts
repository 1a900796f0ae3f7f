import type { Request } from 'express';
import type { Orm } from '../db/orm.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { findOrder } from '../stores/order-store.js';
import { isFinal, type PlayerOrderView } from '../domain/order.js';

const MAX_WAIT_SECONDS = 30;

/** Seconds asked for by `Prefer: wait=N`, at most 30; null when not asked. */
export function preferredWait(req: Request): number | null {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(req.get('prefer') ?? '');
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : null;
}

/** Polls PostgreSQL (the source of truth) until the order is final or the time is up. */
export async function waitForFinal(
  orm: Orm,
  order: PlayerOrderView,
  seconds: number,
  stopping: () => boolean = () => false,
): Promise<PlayerOrderView> {
  const deadline = Date.now() + seconds * 1000;
  let current = order;
  let delay = 5;
  // A shutting-down process answers with what it has rather than outlast its shutdown timer.
  while (!isFinal(current.status) && Date.now() < deadline && !stopping()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, deadline - Date.now())));
    delay = Math.min(delay * 2, 200);
    try {
      current = (await findOrder(orm.em.fork(), current.order_id)) ?? current;
    } catch (error) {
      // The order is stored: say so (202 with what is known) rather than a 503 that a caller
      // without an idempotency key would answer by submitting it again.
      if (isDatabaseUnavailable(error)) return current;
      throw error;
    }
  }
  return current;
}
