import type { EntryHandlers } from './entry-context.js';
import { createNewPersistentInventory, createNewTransientInventory } from './create-inventory.js';
import { fillLoot } from './fill-loot.js';
import { purchaseLoot } from './purchase-loot.js';
import {
  updateAnyInventory,
  updateExistingPersistentInventory,
  updateExistingTransientInventory,
} from './update-inventory.js';

/** Entry type → handler. A type of seed 001's list without a handler yet answers invalid_entry_type. */
export const entryHandlers: EntryHandlers = {
  create_new_persistent_inventory: createNewPersistentInventory,
  create_new_transient_inventory: createNewTransientInventory,
  update_existing_persistent_inventory: updateExistingPersistentInventory,
  update_existing_transient_inventory: updateExistingTransientInventory,
  update_inventory: updateAnyInventory,
  fill_loot: fillLoot,
  purchase_loot: purchaseLoot,
};
