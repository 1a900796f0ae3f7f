import type { EntryHandlers } from './entry-context.js';
import { createNewPersistentInventory, createNewTransientInventory } from './create-inventory.js';
import { fillEntitledLoot } from './fill-entitled-loot.js';
import { fillLoot } from './fill-loot.js';
import { fillLootSingleTransient } from './fill-loot-single-transient.js';
import { promotionCode } from './promotion-code.js';
import { purchaseDynamicBundle } from './purchase-dynamic-bundle.js';
import { purchaseLoot } from './purchase-loot.js';
import { revokeInventory } from './revoke-inventory.js';
import {
  addInventoryStack,
  deleteInventoryCollection,
  deleteInventoryStack,
  setInventoryStack,
  subtractInventoryStack,
  transferInventoryStack,
} from './stacks.js';
import {
  updateAnyInventory,
  updateExistingPersistentInventory,
  updateExistingTransientInventory,
} from './update-inventory.js';

/** Entry type → handler: one module per entry type of ENTRY_TYPES. */
export const entryHandlers: EntryHandlers = {
  create_new_persistent_inventory: createNewPersistentInventory,
  create_new_transient_inventory: createNewTransientInventory,
  update_existing_persistent_inventory: updateExistingPersistentInventory,
  update_existing_transient_inventory: updateExistingTransientInventory,
  update_inventory: updateAnyInventory,
  fill_loot: fillLoot,
  purchase_loot: purchaseLoot,
  purchase_dynamic_bundle: purchaseDynamicBundle,
  promotion_code: promotionCode,
  fill_loot_single_transient: fillLootSingleTransient,
  fill_entitled_loot: fillEntitledLoot,
  add_inventory_stack: addInventoryStack,
  subtract_inventory_stack: subtractInventoryStack,
  set_inventory_stack: setInventoryStack,
  delete_inventory_stack: deleteInventoryStack,
  transfer_inventory_stack: transferInventoryStack,
  delete_inventory_collection: deleteInventoryCollection,
  revoke_inventory: revokeInventory,
};
