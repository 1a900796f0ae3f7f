import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';
import { applyLootFill, checkLootFillable } from './fill-loot.js';

/** Fills a loot as transient inventory, at most once per player, loot and `match_id`. */
export function fillLootSingleTransient(context: EntryContext): ResultCode {
  const { entry, order, catalog, claims } = context;
  const lootId = entry.loot_id!;
  if (claims.hasTransientFill(lootId, order.match_id)) return 'transient_single_loot_already_applied';
  const loot = catalog.loot.get(lootId);
  const quantity = entry.quantity!;
  const refused = checkLootFillable(context, loot, quantity);
  if (refused) return refused;
  claims.recordTransientFill(lootId, order.match_id);
  return applyLootFill(context, loot!, quantity, { forceTransient: true });
}
