import { grantBucket } from '../buckets.js';
import type { Loot } from '../catalog.js';
import type { ResultCode } from '../vocabulary.js';
import { isClient, type EntryContext } from './entry-context.js';

export interface FillOptions {
  /** Grant every content as transient inventory (fill_loot_single_transient). */
  forceTransient?: boolean;
}

/**
 * The checks every loot-granting entry runs once it has found its loot (`loot_not_found` when
 * not), in the order the API documents (docs/api.md).
 */
export function checkLootFillable(
  context: EntryContext,
  loot: Loot,
  quantity: number,
  options: { clientMayFill?: boolean } = {},
): ResultCode | null {
  if (!isLootAvailable(loot, context.now)) return 'loot_not_active';
  if (loot.portal_ids.length > 0 && !loot.portal_ids.includes(context.order.portal_id ?? Number.NaN)) {
    return 'not_allowed_on_current_portal';
  }
  if (isClient(context) && !loot.fillable_from_client && !options.clientMayFill)
    return 'loot_not_fillable_from_client';
  if (quantity < 1 || (loot.max_quantity !== null && quantity > loot.max_quantity))
    return 'quantity_not_allowed';
  const { inventory } = context;
  if (loot.blockers.some((itemId) => inventory.heldCount(itemId) > 0)) return 'cannot_meet_loot_blocker';
  if (
    loot.required.some(
      (required) => inventory.heldCount(required.item_id) < requiredCount(required, quantity),
    )
  ) {
    return 'cannot_meet_loot_required';
  }
  if (!allSubLootFound(context, loot)) return 'failed_to_find_any_sub_loot';
  return null;
}

export function isLootAvailable(loot: Loot, now: Date): boolean {
  if (!loot.active) return false;
  if (loot.available_from && Date.parse(loot.available_from) > now.getTime()) return false;
  if (loot.available_until && Date.parse(loot.available_until) <= now.getTime()) return false;
  return true;
}

/** A requirement that is consumed is needed once per loot filled; one only checked, once in all. */
function requiredCount(required: Loot['required'][number], quantity: number): number {
  return required.consume ? required.quantity * quantity : required.quantity;
}

function allSubLootFound(context: EntryContext, loot: Loot, seen = new Set<number>()): boolean {
  for (const sub of loot.sub_loot) {
    const child = context.catalog.loot.get(sub.loot_id);
    if (!child || !isLootAvailable(child, context.now)) return false;
    if (seen.has(child.id)) continue;
    seen.add(child.id);
    if (!allSubLootFound(context, child, seen)) return false;
  }
  return true;
}

/** Consumes requirements, then grants the loot's contents and its sub-loot, `quantity` times. */
export function applyLootFill(
  context: EntryContext,
  loot: Loot,
  quantity: number,
  options: FillOptions = {},
): ResultCode {
  for (const required of loot.required.filter((r) => r.consume)) {
    const count = requiredCount(required, quantity);
    const short = context.inventory.spend(
      required.item_id,
      count,
      loot.id,
      'failed_to_consume_loot_required',
    );
    if (short) return short;
  }
  const refused = grantContents(context, loot, quantity, options);
  if (refused) return refused;
  for (const sub of loot.sub_loot) {
    if (grantSubLoot(context, sub.loot_id, quantity * sub.quantity, options))
      return 'failed_to_fill_any_sub_loot';
  }
  return 'success';
}

/** A sub-loot's contents and its own sub-loot; null when all were granted, else what refused. */
function grantSubLoot(
  context: EntryContext,
  lootId: number,
  quantity: number,
  options: FillOptions,
): ResultCode | null {
  // checkLootFillable found every sub-loot (allSubLootFound) before anything was granted.
  const loot = context.catalog.loot.get(lootId);
  if (!loot) return 'failed_to_find_any_sub_loot';
  const refused = grantContents(context, loot, quantity, options);
  if (refused) return refused;
  for (const sub of loot.sub_loot) {
    const subRefused = grantSubLoot(context, sub.loot_id, quantity * sub.quantity, options);
    if (subRefused) return subRefused;
  }
  return null;
}

/** Null when every content was granted, else the first refusal. */
function grantContents(
  context: EntryContext,
  loot: Loot,
  quantity: number,
  options: FillOptions,
): ResultCode | null {
  const { order, entry, inventory, now } = context;
  const bucket = grantBucket(order.source, entry.use_inventory_bucket);
  for (const content of loot.contents) {
    const refused = inventory.grant({
      itemId: content.item_id,
      type: options.forceTransient ? 'transient' : content.type,
      bucket,
      quantity: content.quantity * quantity,
      expires:
        content.expires_in_seconds === null
          ? null
          : new Date(now.getTime() + content.expires_in_seconds * 1000).toISOString(),
      lootId: loot.id,
    });
    if (refused) return refused;
  }
  return null;
}

export function fillLoot(context: EntryContext<'fill_loot'>): ResultCode {
  const { entry, catalog } = context;
  const loot = catalog.loot.get(entry.loot_id);
  if (!loot) return 'loot_not_found';
  return checkLootFillable(context, loot, entry.quantity) ?? applyLootFill(context, loot, entry.quantity);
}
