import type { Loot } from '../catalog.js';
import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';
import { applyLootFill, checkLootFillable } from './fill-loot.js';
import { checkPayment, checkVendor, discounted, pay } from './purchase-loot.js';

/** A member is held when the player holds every item of its contents. */
function holdsLoot(context: EntryContext, loot: Loot): boolean {
  return (
    loot.contents.length > 0 &&
    loot.contents.every((content) => context.inventory.heldCount(content.item_id) > 0)
  );
}

const sameMembers = (a: number[], b: number[]) =>
  a.length === b.length &&
  [...a].sort((x, y) => x - y).every((id, i) => id === [...b].sort((x, y) => x - y)[i]);

/**
 * Buys the members of a dynamic bundle the player does not hold yet. The client shows a member list
 * and a price; both must match what the server works out now, so a stale offer is refused.
 */
export function purchaseDynamicBundle(context: EntryContext<'purchase_dynamic_bundle'>): ResultCode {
  const { entry, catalog } = context;
  const bundle = catalog.loot.get(entry.loot_id);
  if (!bundle?.dynamic_bundle) return 'dynamic_bundle_invalid';
  const members = bundle.dynamic_bundle.loot_ids
    .map((lootId) => catalog.loot.get(lootId))
    .filter((member): member is Loot => member !== undefined && !holdsLoot(context, member));
  if (members.length === 0) return 'dynamic_bundles_not_available';
  const memberIds = members.map((member) => member.id);
  if (!sameMembers(entry.dynamic_bundle_loot_ids, memberIds)) return 'dynamic_bundle_ltis_do_not_match';

  // A bundle is bought once: its price depends on what the player already holds.
  const quantity = entry.quantity ?? 1;
  if (quantity !== 1) return 'quantity_not_allowed';
  const refused = checkLootFillable(context, bundle, quantity) ?? checkVendor(context, bundle);
  if (refused) return refused;
  const shown = entry.purchase_price;
  if (members.every((member) => member.prices.length === 0)) return 'price_not_allowed';
  if (!catalog.items.has(shown.price_item_id)) return 'price_item_not_found';
  let total = 0;
  for (const member of members) {
    const memberPrice = member.prices.find((price) => price.price_item_id === shown.price_item_id);
    if (!memberPrice) return 'loot_not_for_sale_with_price_item';
    total += memberPrice.price;
  }
  const price = discounted(total, bundle.dynamic_bundle.discount_percent);
  if (price !== shown.price) return 'price_does_not_match';

  const checked = checkPayment(context, shown, bundle, quantity, price);
  if ('refused' in checked) return checked.refused;
  const unpaid = pay(context, bundle.id, checked.payment);
  if (unpaid) return unpaid;
  for (const member of members) {
    context.inventory.details.add({ type: 'dynamic_bundle_lti', loot_id: member.id });
    const filled = applyLootFill(context, member, 1);
    if (filled !== 'success') return filled;
  }
  return 'success';
}
