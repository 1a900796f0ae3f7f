import type { InventoryRecordView } from '../details.js';
import type { InventoryType, ResultCode } from '../vocabulary.js';
import { checkExpiresAndCustomData, checkItemGrantable } from './create-inventory.js';
import { isClient, type EntryContext } from './entry-context.js';

/**
 * Changes the record named by `inventory_id` or `legacy_inventory_id`. Only fields given change;
 * `quantity` 0 removes the record. A player client may change `custom_data` and nothing else.
 */
function updateInventory(context: EntryContext<UpdateType>, requiredType: InventoryType | null): ResultCode {
  const { entry, inventory } = context;
  // The entry names its record by one id or the other (entryCreateSchema requires one).
  const record =
    entry.inventory_id != null
      ? inventory.findById(entry.inventory_id)
      : entry.legacy_inventory_id != null
        ? inventory.findByLegacyId(entry.legacy_inventory_id)
        : undefined;
  if (!record || (requiredType && record.type !== requiredType)) return 'inventory_not_found';
  if (record.type === 'always_owned') return 'always_owned_inventory_cannot_be_modified';

  const newItemId = entry.item_id != null && entry.item_id !== record.item_id ? entry.item_id : null;
  const refused =
    refuseClientChangesBeyondCustomData(context, record) ??
    (newItemId === null ? null : checkItemGrantable(context, newItemId)) ??
    checkExpiresAndCustomData(context) ??
    inventory.update(record, {
      count: entry.quantity ?? undefined,
      itemId: entry.item_id ?? undefined,
      expires: entry.expires ?? undefined,
      customData: entry.custom_data ?? undefined,
    });
  return refused ?? 'success';
}

/** A player client may change a record's `custom_data` and nothing else (count, item, expiry). */
function refuseClientChangesBeyondCustomData(
  context: EntryContext<UpdateType>,
  record: InventoryRecordView,
): ResultCode | null {
  const { entry } = context;
  const changesCount = entry.quantity != null && entry.quantity !== record.count;
  const changesItem = entry.item_id != null && entry.item_id !== record.item_id;
  const changesExpires = entry.expires != null && entry.expires !== record.expires;
  return isClient(context) && (changesCount || changesItem || changesExpires) ? 'permission_denied' : null;
}

type UpdateType =
  'update_existing_persistent_inventory' | 'update_existing_transient_inventory' | 'update_inventory';

export const updateExistingPersistentInventory = (
  context: EntryContext<'update_existing_persistent_inventory'>,
) => updateInventory(context, 'persistent');
export const updateExistingTransientInventory = (
  context: EntryContext<'update_existing_transient_inventory'>,
) => updateInventory(context, 'transient');
export const updateAnyInventory = (context: EntryContext<'update_inventory'>) =>
  updateInventory(context, null);
