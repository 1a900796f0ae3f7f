import { z } from 'zod';
import { BUCKETS, DETAIL_TYPES, INVENTORY_TYPES } from './vocabulary.js';

/**
 * The Player Order API's Inventory Record, plus `item_id`: the one description of a record as
 * callers see it, from which its type and the stores' column lists are derived. Records are
 * immutable: a change makes a new object.
 */
export const inventoryRecordSchema = z.object({
  inventory_id: z.string(),
  type: z.enum(INVENTORY_TYPES),
  legacy_inventory_id: z.number().int().nullable(),
  bucket: z.enum(BUCKETS).nullable(),
  count: z.number().int(),
  acquired: z.string(),
  expires: z.string().nullable(),
  custom_data: z.record(z.string(), z.string()),
  item_id: z.number().int(),
  collection_id: z.string(),
  stack_id: z.string(),
  display_properties: z.record(z.string(), z.unknown()).nullable(),
});
export type InventoryRecordView = z.infer<typeof inventoryRecordSchema>;

/** One page of a player's records; `next_cursor` is null on the last page. */
export const inventoryPageSchema = z.object({
  inventory: z.array(inventoryRecordSchema),
  next_cursor: z.string().nullable(),
});
export type InventoryPage = z.infer<typeof inventoryPageSchema>;

/** A record's fields in the order callers see them. */
export const RECORD_KEYS = inventoryRecordSchema.keyof().options;

const inventoryChangeSchema = z.object({
  before_item_id: z.number().int().nullable(),
  after_item_id: z.number().int().nullable(),
  before: inventoryRecordSchema.nullable(),
  after: inventoryRecordSchema.nullable(),
});
export type InventoryChange = z.infer<typeof inventoryChangeSchema>;

/** The Player Order API's order entry detail. */
export const detailSchema = z.object({
  type: z.enum(DETAIL_TYPES),
  loot_id: z.number().int().nullable(),
  inv_change: inventoryChangeSchema.optional(),
  /** The promotion code, on claim_promo_code and return_promo_code details. */
  code: z.string().optional(),
});
export type Detail = z.infer<typeof detailSchema>;

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
