import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';
import { applyLootFill, checkLootFillable } from './fill-loot.js';

/** Fills a loot as transient inventory, at most once per player, loot and `match_id`. */
export function fillLootSingleTransient(context: EntryContext<'fill_loot_single_transient'>): ResultCode {
  const { entry, order, catalog, claims } = context;
  const { loot_id: lootId, quantity } = entry;
  if (claims.hasTransientFill(lootId, order.match_id)) return 'transient_single_loot_already_applied';
  const loot = catalog.loot.get(lootId);
  if (!loot) return 'loot_not_found';
  const refused = checkLootFillable(context, loot, quantity);
  if (refused) return refused;
  claims.recordTransientFill(lootId, order.match_id);
  return applyLootFill(context, loot, quantity, { forceTransient: true });
}
