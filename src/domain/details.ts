import type { Bucket, DetailType, InventoryType } from './vocabulary.js';

/** The Player Order API's Inventory Record, plus `item_id`. Records are immutable: a change makes a new object. */
export interface InventoryRecordView {
  inventory_id: string;
  type: InventoryType;
  legacy_inventory_id: number | null;
  bucket: Bucket | null;
  count: number;
  acquired: string;
  expires: string | null;
  custom_data: Record<string, string>;
  item_id: number;
}

export interface InventoryChange {
  before_item_id: number | null;
  after_item_id: number | null;
  before: InventoryRecordView | null;
  after: InventoryRecordView | null;
}

/** The Player Order API's order entry detail. */
export interface Detail {
  type: DetailType;
  loot_id: number | null;
  inv_change?: InventoryChange;
  /** The promotion code, on claim_promo_code and return_promo_code details. */
  code?: string;
}

/**
 * The details of one entry as it runs. A record touched several times by one entry yields one
 * `inventory_change` detail, from its state before the entry to its state after.
 */
export class EntryDetails {
  readonly list: Detail[] = [];
  private readonly changes = new Map<string, InventoryChange>();

  add(detail: Detail): void {
    this.list.push(detail);
  }

  recordChange(
    before: InventoryRecordView | null,
    after: InventoryRecordView | null,
    lootId: number | null,
  ): void {
    const inventoryId = (before ?? after)!.inventory_id;
    const known = this.changes.get(inventoryId);
    if (known) {
      known.after = after;
      known.after_item_id = after?.item_id ?? null;
      return;
    }
    const change: InventoryChange = {
      before_item_id: before?.item_id ?? null,
      after_item_id: after?.item_id ?? null,
      before,
      after,
    };
    this.changes.set(inventoryId, change);
    this.list.push({ type: 'inventory_change', loot_id: lootId, inv_change: change });
  }
}
