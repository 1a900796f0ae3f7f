import type { InventoryType, ResultCode } from '../vocabulary.js';
import { checkExpiresAndCustomData, checkItemGrantable } from './create-inventory.js';
import { isClient, type EntryContext } from './entry-context.js';

/**
 * Changes the record named by `inventory_id` or `legacy_inventory_id`. Only fields given change;
 * `quantity` 0 removes the record. A player client may change `custom_data` and nothing else.
 */
function updateInventory(context: EntryContext, requiredType: InventoryType | null): ResultCode {
  const { entry, inventory } = context;
  const record =
    entry.inventory_id != null
      ? inventory.findById(entry.inventory_id)
      : inventory.findByLegacyId(entry.legacy_inventory_id!);
  if (!record || (requiredType && record.type !== requiredType)) return 'inventory_not_found';
  if (record.type === 'always_owned') return 'always_owned_inventory_cannot_be_modified';

  const changesCount = entry.quantity != null && entry.quantity !== record.count;
  const changesItem = entry.item_id != null && entry.item_id !== record.item_id;
  const changesExpires = entry.expires != null && entry.expires !== record.expires;
  if (isClient(context) && (changesCount || changesItem || changesExpires)) return 'permission_denied';

  const refused =
    (changesItem ? checkItemGrantable(context, entry.item_id!) : null) ?? checkExpiresAndCustomData(context);
  if (refused) return refused;

  const updated = inventory.update(record, {
    count: entry.quantity ?? undefined,
    itemId: entry.item_id ?? undefined,
    expires: entry.expires ?? undefined,
    customData: entry.custom_data ?? undefined,
  });
  return updated ? 'success' : 'failed_to_modify_inventory';
}

export const updateExistingPersistentInventory = (context: EntryContext) =>
  updateInventory(context, 'persistent');
export const updateExistingTransientInventory = (context: EntryContext) =>
  updateInventory(context, 'transient');
export const updateAnyInventory = (context: EntryContext) => updateInventory(context, null);
