import { expect } from 'vitest';
import type { Detail, InventoryRecordView } from '../../src/domain/details.js';

/**
 * An entry's details read compactly and checked, for engine tests and HTTP suites alike: applyOrder
 * and the API answer the same details.
 */

/** One inventory_change detail, compactly: which loot, which item, the count before and after. */
export interface Change {
  loot_id: number | null;
  item: number;
  before: number | null;
  after: number | null;
}

/** The inventory_change details of an entry, compactly, in the order the entry made them. */
export function inventoryChanges(details: Detail[]): Change[] {
  return details
    .filter((detail) => detail.type === 'inventory_change')
    .map((detail) => {
      const change = detail.inv_change!;
      return {
        loot_id: detail.loot_id,
        item: (change.after_item_id ?? change.before_item_id)!,
        before: change.before?.count ?? null,
        after: change.after?.count ?? null,
      };
    });
}

/** Every detail's `before` is the record as it was, and its `after` the record as it now is. */
export function expectDetailsMatch(
  entry: { details: Detail[] },
  before: InventoryRecordView[],
  after: InventoryRecordView[],
): void {
  for (const { inv_change: change } of entry.details) {
    const inventoryId = (change!.before ?? change!.after)!.inventory_id;
    if (change!.before) expect(before.find((r) => r.inventory_id === inventoryId)).toEqual(change!.before);
    if (change!.after) expect(after.find((r) => r.inventory_id === inventoryId)).toEqual(change!.after);
    else expect(after.find((r) => r.inventory_id === inventoryId)).toBeUndefined();
  }
}
