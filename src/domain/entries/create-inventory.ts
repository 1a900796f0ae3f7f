import { grantBucket } from '../buckets.js';
import { MAX_CUSTOM_ATTRIBUTES, type ResultCode } from '../vocabulary.js';
import { isClient, type EntryContext } from './entry-context.js';

/** Shared by create and update: may this item be given to a player at all? */
export function checkItemGrantable(context: EntryContext, itemId: number): ResultCode | null {
  const item = context.catalog.items.get(itemId);
  if (!item) return 'item_not_found';
  if (!item.active) return 'item_not_active';
  return null;
}

export function checkExpiresAndCustomData(context: EntryContext): ResultCode | null {
  const { expires, custom_data } = context.entry;
  if (expires && Date.parse(expires) <= context.now.getTime()) return 'available_until_is_in_past';
  if (custom_data && Object.keys(custom_data).length > MAX_CUSTOM_ATTRIBUTES)
    return 'too_many_inv_custom_attributes';
  return null;
}

function createInventory(context: EntryContext, type: 'persistent' | 'transient'): ResultCode {
  const { entry, order } = context;
  if (isClient(context)) return 'permission_denied';
  const itemId = entry.item_id!;
  const refused = checkItemGrantable(context, itemId) ?? checkExpiresAndCustomData(context);
  if (refused) return refused;
  const granted = context.inventory.grant({
    itemId,
    type,
    bucket: grantBucket(order.source, entry.use_inventory_bucket),
    quantity: entry.quantity!,
    expires: entry.expires ?? null,
    customData: entry.custom_data ?? {},
    lootId: null,
    separateRecord: true,
  });
  return granted ? 'success' : 'failed_to_modify_inventory';
}

export const createNewPersistentInventory = (context: EntryContext) => createInventory(context, 'persistent');
export const createNewTransientInventory = (context: EntryContext) => createInventory(context, 'transient');
