import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';

/**
 * A refund's take-back: up to `quantity` of the item from the entry's stack, as much as the player
 * still holds (soonest-expiring first); what is not there any more is the refund's shortfall
 * (`not_taken_back`), for ops, not a failure. Only a refund order may take back.
 */
export function revokeInventory(context: EntryContext<'revoke_inventory'>): ResultCode {
  const { entry, order, inventory } = context;
  if (order.refund_of === null) return 'permission_denied';
  const stackId = entry.stack_id ?? 'default';
  const held = inventory.spendableCount(entry.item_id, stackId);
  inventory.take(entry.item_id, Math.min(entry.quantity, held), null, { stackId });
  return 'success';
}
