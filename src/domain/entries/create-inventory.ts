import { grantBucket } from '../buckets.js';
import { MAX_CUSTOM_ATTRIBUTES, type ResultCode } from '../vocabulary.js';
import { refuseClient, type EntryContext } from './entry-context.js';

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

type CreateType = 'create_new_persistent_inventory' | 'create_new_transient_inventory';

function createInventory(context: EntryContext<CreateType>, type: 'persistent' | 'transient'): ResultCode {
  const { entry, order } = context;
  const refused =
    refuseClient(context) ??
    checkItemGrantable(context, entry.item_id) ??
    checkExpiresAndCustomData(context) ??
    context.inventory.grant({
      itemId: entry.item_id,
      type,
      bucket: grantBucket(order.source, entry.use_inventory_bucket),
      quantity: entry.quantity,
      expires: entry.expires ?? null,
      customData: entry.custom_data ?? {},
      lootId: null,
      separateRecord: true,
    });
  return refused ?? 'success';
}

export const createNewPersistentInventory = (context: EntryContext<'create_new_persistent_inventory'>) =>
  createInventory(context, 'persistent');
export const createNewTransientInventory = (context: EntryContext<'create_new_transient_inventory'>) =>
  createInventory(context, 'transient');
