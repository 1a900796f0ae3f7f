import type { components } from './schema.js';

/**
 * The entry types Armory applies, and the fields each requires (its API reference, "Entry
 * types"). The server accepts any `type` and answers an unknown one `invalid_entry_type`; this
 * client lets only these compile. test/client/ holds this table to the server's.
 */
export const ENTRY_REQUIRED_FIELDS = {
  fill_loot: ['loot_id', 'quantity'],
  purchase_loot: ['loot_id', 'quantity', 'purchase_price'],
  purchase_dynamic_bundle: ['loot_id', 'purchase_price', 'dynamic_bundle_loot_ids'],
  promotion_code: ['external_tran_id'],
  fill_loot_single_transient: ['loot_id', 'quantity'],
  fill_entitled_loot: ['external_item_sku', 'external_tran_id'],
  create_new_persistent_inventory: ['item_id', 'quantity'],
  create_new_transient_inventory: ['item_id', 'quantity'],
  update_existing_persistent_inventory: [],
  update_existing_transient_inventory: [],
  update_inventory: [],
  add_inventory_stack: ['item_id', 'quantity'],
  subtract_inventory_stack: ['item_id', 'quantity'],
  set_inventory_stack: ['item_id', 'quantity'],
  delete_inventory_stack: ['item_id'],
  transfer_inventory_stack: ['item_id', 'quantity'],
  delete_inventory_collection: [],
  revoke_inventory: ['item_id', 'quantity'],
} as const satisfies Record<string, readonly (keyof EntryFields)[]>;

export type EntryType = keyof typeof ENTRY_REQUIRED_FIELDS;

/** Every field an entry may carry, as the OpenAPI document describes it. */
type EntryFields = components['schemas']['PlayerOrderCreate']['entries'][number];

type RequiredOf<T extends EntryType> = (typeof ENTRY_REQUIRED_FIELDS)[T][number];

/**
 * An entry of one known type, its required fields required: a discriminated union on `type`, so a
 * misspelt type or a missing field fails to compile, and `switch (entry.type)` narrows.
 */
export type Entry = {
  [T in EntryType]: Omit<EntryFields, 'type' | RequiredOf<T>> & { type: T } & {
    [K in RequiredOf<T>]-?: NonNullable<EntryFields[K]>;
  };
}[EntryType];

/** An order to submit: the document's PlayerOrderCreate, its entries of known types. */
export type OrderToSubmit = Omit<components['schemas']['PlayerOrderCreate'], 'entries'> & {
  entries: Entry[];
};
