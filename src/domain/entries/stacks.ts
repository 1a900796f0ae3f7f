import { grantBucket } from '../buckets.js';
import type { ResultCode } from '../vocabulary.js';
import { checkItemGrantable } from './create-inventory.js';
import { refuseClient, type EntryContext } from './entry-context.js';

/**
 * Armory's stack entries: what PlayFab's inventory calls become, open to every game server. A stack
 * is (collection, item, `stack_id`); its amount is what its unexpired records hold. They work in the
 * entry's collection; a player client may not send them (as it may not create records).
 */

/** Spending from a stack that holds too little is a shortfall, as for a price. */
const SHORTFALL: ResultCode = 'cannot_afford_price';

type StackType =
  | 'add_inventory_stack'
  | 'subtract_inventory_stack'
  | 'set_inventory_stack'
  | 'delete_inventory_stack'
  | 'transfer_inventory_stack';

function stackOf(context: EntryContext<StackType>): string {
  return context.entry.stack_id ?? 'default';
}

function itemKnown(context: EntryContext<StackType>): ResultCode | null {
  return context.catalog.items.has(context.entry.item_id) ? null : 'item_not_found';
}

/** Grants `quantity` into the stack (0 makes an empty stack where none is). */
function addToStack(context: EntryContext<StackType>, quantity: number): ResultCode | null {
  const { entry, order, inventory } = context;
  return inventory.grant({
    itemId: entry.item_id,
    type: 'persistent',
    bucket: grantBucket(order.source, entry.use_inventory_bucket),
    quantity,
    expires: null,
    lootId: null,
    newStackDisplayProperties: entry.display_properties ?? undefined,
  });
}

/** Adds `quantity` to the stack, creating it (with `display_properties`) if it is not there. */
export function addInventoryStack(context: EntryContext<'add_inventory_stack'>): ResultCode {
  const refused =
    refuseClient(context) ??
    checkItemGrantable(context, context.entry.item_id) ??
    addToStack(context, context.entry.quantity);
  return refused ?? 'success';
}

/** Takes `quantity` from the stack, soonest-expiring records first; all or nothing. */
export function subtractInventoryStack(context: EntryContext<'subtract_inventory_stack'>): ResultCode {
  const { entry, inventory } = context;
  const refused =
    refuseClient(context) ??
    itemKnown(context) ??
    inventory.spend(entry.item_id, entry.quantity, null, SHORTFALL, { stackId: stackOf(context) });
  return refused ?? 'success';
}

/**
 * Sets the stack's amount to `quantity`, creating the stack if it is not there (a stack set to 0
 * stays, at 0), and its display properties when given.
 */
export function setInventoryStack(context: EntryContext<'set_inventory_stack'>): ResultCode {
  const { entry, inventory } = context;
  const stackId = stackOf(context);
  const refused = refuseClient(context) ?? itemKnown(context);
  if (refused) return refused;
  const amount = inventory.spendableCount(entry.item_id, stackId);
  const exists = inventory.stackRecords(entry.item_id, stackId).length > 0;
  const changed =
    entry.quantity > amount || !exists
      ? (checkItemGrantable(context, entry.item_id) ?? addToStack(context, entry.quantity - amount))
      : inventory.spend(entry.item_id, amount - entry.quantity, null, SHORTFALL, {
          stackId,
          keepEmptyStacks: true,
        });
  if (changed) return changed;
  if (entry.display_properties) {
    inventory.setStackDisplayProperties(entry.item_id, stackId, entry.display_properties);
  }
  return 'success';
}

/** Removes every record of the entry's collection (none there is nothing to do, not a failure). */
export function deleteInventoryCollection(context: EntryContext<'delete_inventory_collection'>): ResultCode {
  const refused = refuseClient(context);
  if (refused) return refused;
  context.inventory.deleteCollection();
  return 'success';
}

/** Removes the stack, every record of it. */
export function deleteInventoryStack(context: EntryContext<'delete_inventory_stack'>): ResultCode {
  const { entry, inventory } = context;
  const refused = refuseClient(context);
  if (refused) return refused;
  const stackId = stackOf(context);
  if (inventory.stackRecords(entry.item_id, stackId).length === 0) return 'inventory_not_found';
  inventory.deleteStack(entry.item_id, stackId);
  return 'success';
}

/**
 * Moves `quantity` from the stack to `to_stack_id` in `to_collection_id` (each the entry's own when
 * absent), of `to_player_uuid` when named: both players change in the order's one transaction.
 * Each record's part keeps its type, bucket and expiry; the receiving stack, if created, takes
 * `display_properties`. All or nothing.
 */
export function transferInventoryStack(context: EntryContext<'transfer_inventory_stack'>): ResultCode {
  const { entry, inventory, order } = context;
  const refused = refuseClient(context) ?? itemKnown(context);
  if (refused) return refused;
  const toPlayer = entry.to_player_uuid ?? order.player_uuid;
  const receiving = toPlayer === order.player_uuid ? inventory : context.inventoryOf?.(toPlayer);
  // The worker loads every player an order gives to with it; one missing is a bug, not a result.
  if (!receiving) throw new Error(`player ${toPlayer} was not loaded for a transfer to them`);
  const taken = inventory.take(entry.item_id, entry.quantity, null, { stackId: stackOf(context) });
  if (!taken) return SHORTFALL;
  const place = {
    collectionId: entry.to_collection_id ?? entry.collection_id ?? 'default',
    stackId: entry.to_stack_id ?? stackOf(context),
  };
  if (receiving !== inventory) receiving.beginEntry({ ...place, keepEmptyStacks: false });
  for (const { record, count } of taken) {
    const grantRefused = receiving.grant({
      itemId: entry.item_id,
      type: record.type === 'transient' ? 'transient' : 'persistent',
      bucket: record.bucket ?? 'free',
      quantity: count,
      expires: record.expires,
      lootId: null,
      ...place,
      newStackDisplayProperties: entry.display_properties ?? undefined,
      mustArrive: true,
    });
    if (grantRefused) return grantRefused;
  }
  // The receiving player's changes are details of this entry too.
  if (receiving !== inventory) for (const detail of receiving.details.list) inventory.details.add(detail);
  return 'success';
}
