import { v5 as uuidV5 } from 'uuid';
import { changesOf } from './history.js';
import { DEFAULT_COLLECTION, DEFAULT_STACK } from './inventory.js';
import type { EntryCreate, OrderCreate, PlayerOrderView } from './order.js';

/**
 * Refunds: a compensating order, linked to the original by `refund_of`, that takes back what the
 * original granted (as much as the player still holds) and returns what it spent. It is worked out
 * from the original's details, so a refund asked for twice is the same order, applied once.
 */

/** A refund's order id is the uuid v5 of the original's in this namespace: asked twice, the same order. */
export const REFUND_ID_NAMESPACE = 'a8c3f0d2-6b1e-4f57-9d2a-5e7c1b4f8a30';

/** The refund of an order that can be refunded (whyNotRefundable is null). */
export function refundOrderOf(original: PlayerOrderView): OrderCreate {
  return {
    order_id: uuidV5(original.order_id, REFUND_ID_NAMESPACE),
    player_uuid: original.player_uuid,
    source: 'REFUND',
    is_transaction: false,
    entries: refundEntriesOf(original),
  };
}

/** Why an order cannot be refunded, or null when it can. */
export function whyNotRefundable(order: PlayerOrderView): string | null {
  if (order.refund_of !== null) return 'a refund is not refunded';
  if (order.status !== 'succeeded' && order.status !== 'partially_succeeded')
    return `only an order that took effect can be refunded; this one is ${order.status}`;
  if (refundEntriesOf(order).length === 0)
    return 'the order changed no count a refund could take back or return';
  return null;
}

/**
 * The refund's entries: per stack (item, collection, stack id) of the player's own, the net of what
 * the original changed. A gain is taken back (`revoke_inventory`), a loss returned
 * (`add_inventory_stack`). What a transfer gave another player is theirs now: a refund takes back
 * from the order's player only.
 */
export function refundEntriesOf(order: PlayerOrderView): EntryCreate[] {
  const net = new Map<string, { item_id: number; collection_id: string; stack_id: string; delta: number }>();
  const own = changesOf(order, order.entries, order.applied_seq ?? 0).filter(
    (change) => change.player_uuid === order.player_uuid,
  );
  for (const change of own) {
    const record = (change.after ?? change.before)!;
    const key = JSON.stringify([record.item_id, record.collection_id, record.stack_id]);
    const stack = net.get(key) ?? {
      item_id: record.item_id,
      collection_id: record.collection_id ?? DEFAULT_COLLECTION,
      stack_id: record.stack_id ?? DEFAULT_STACK,
      delta: 0,
    };
    stack.delta += (change.after?.count ?? 0) - (change.before?.count ?? 0);
    net.set(key, stack);
  }
  return [...net.values()]
    .filter((stack) => stack.delta !== 0)
    .map(({ delta, ...stack }, index) => ({
      entry_id: `refund-${index + 1}`,
      type: delta > 0 ? 'revoke_inventory' : 'add_inventory_stack',
      quantity: Math.abs(delta),
      ...stack,
    }));
}

/** What a refund could not take back (already spent), per entry; null until the refund is final. */
export function notTakenBack(
  refund: Pick<PlayerOrderView, 'refund_of' | 'completed_time' | 'entries'>,
): { entry_id: string; item_id: number; quantity: number }[] | null {
  if (refund.refund_of === null || refund.completed_time === null) return null;
  return refund.entries.flatMap((entry) => {
    if (entry.type !== 'revoke_inventory' || entry.item_id == null || entry.quantity == null) return [];
    const taken =
      entry.result === 'success'
        ? entry.details.reduce(
            (sum, detail) =>
              sum + (detail.inv_change?.before?.count ?? 0) - (detail.inv_change?.after?.count ?? 0),
            0,
          )
        : 0;
    const missing = entry.quantity - taken;
    return missing > 0 ? [{ entry_id: entry.entry_id, item_id: entry.item_id, quantity: missing }] : [];
  });
}
