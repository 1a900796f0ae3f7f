import type { Request } from 'express';
import type { Orm } from '../db/orm.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { FinalOrderListener, FinalOrderWatch } from '../stores/final-orders.js';
import { findOrder } from '../stores/order-store.js';
import { isFinal, type PlayerOrderView } from '../domain/order.js';

const MAX_WAIT_SECONDS = 30;

/** Seconds asked for by `Prefer: wait=N`, at most 30; null when not asked. */
export function preferredWait(req: Request): number | null {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(req.get('prefer') ?? '');
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : null;
}

/**
 * Reads the order from PostgreSQL (the source of truth) until it is final or the time is up: as
 * soon as PostgreSQL reports it final (`finalOrders`), else polling, ever more slowly.
 */
export async function waitForFinal(
  orm: Orm,
  order: PlayerOrderView,
  seconds: number,
  stopping: () => boolean = () => false,
  finalOrders?: FinalOrderListener,
): Promise<PlayerOrderView> {
  const deadline = Date.now() + seconds * 1000;
  let current = order;
  let delay = 5;
  // Watched from before the first read: no notification after it is missed.
  const watch = finalOrders?.watch(order.order_id);
  try {
    // A shutting-down process answers with what it has rather than outlast its shutdown timer.
    while (!isFinal(current.status) && Date.now() < deadline && !stopping()) {
      await nextLook(Math.min(delay, deadline - Date.now()), watch);
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
  } finally {
    watch?.close();
  }
  return current;
}

/** Waits `ms`, or less if the order is reported final meanwhile. */
async function nextLook(ms: number, watch: FinalOrderWatch | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await (watch ? Promise.race([elapsed, watch.next()]) : elapsed);
  clearTimeout(timer);
}
