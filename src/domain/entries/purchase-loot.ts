import type { Loot } from '../catalog.js';
import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';
import type { EntryOf } from '../order.js';

type PurchasePrice = EntryOf<'purchase_loot'>['purchase_price'];
import { applyLootFill, checkLootFillable } from './fill-loot.js';

/** A price after a percentage discount, rounded down. */
export function discounted(total: number, discountPercent: number): number {
  return Math.floor((total * (100 - discountPercent)) / 100);
}

interface Payment {
  priceItemId: number;
  /** The stack the price is paid from; every stack of the collection when absent. */
  priceStackId: string | undefined;
  total: number;
  couponItemId: number | null;
}

/**
 * The price checks of a purchase, in the order the API documents (docs/api.md). `unitPrice` is what the client was
 * shown; it must match the catalog's price exactly, so a stale store page cannot buy at an old price.
 */
export function checkPayment(
  context: EntryContext,
  shown: PurchasePrice,
  loot: Loot,
  quantity: number,
  total: number,
): { refused: ResultCode } | { payment: Payment } {
  const { catalog, inventory } = context;
  const couponItemId = shown.price_coupon_item_id ?? null;
  let due = total;
  if (couponItemId !== null) {
    if (!loot.coupons_enabled) return { refused: 'coupons_disabled' };
    const couponItem = catalog.items.get(couponItemId);
    if (!couponItem?.coupon) return { refused: 'coupon_item_not_found' };
    if (!couponItem.active) return { refused: 'coupon_item_not_active' };
    const coupon = couponItem.coupon;
    if (coupon.loot_ids.length > 0 && !coupon.loot_ids.includes(loot.id)) {
      return { refused: 'coupon_item_not_applicable_for_loot' };
    }
    if (coupon.price_item_ids.length > 0 && !coupon.price_item_ids.includes(shown.price_item_id)) {
      return { refused: 'coupon_item_not_applicable_for_price_item' };
    }
    if (quantity > coupon.max_quantity) return { refused: 'coupon_item_not_applicable_for_quantity' };
    due = discounted(total, coupon.discount_percent);
  }
  if (inventory.spendableCount(shown.price_item_id, shown.price_stack_id ?? undefined) < due)
    return { refused: 'cannot_afford_price' };
  if (couponItemId !== null && inventory.spendableCount(couponItemId) < 1)
    return { refused: 'cannot_afford_coupon' };
  return {
    payment: {
      priceItemId: shown.price_item_id,
      priceStackId: shown.price_stack_id ?? undefined,
      total: due,
      couponItemId,
    },
  };
}

export function pay(context: EntryContext, lootId: number, payment: Payment): ResultCode | null {
  const { inventory } = context;
  return (
    inventory.spend(payment.priceItemId, payment.total, lootId, 'failed_to_spend_price', {
      stackId: payment.priceStackId,
    }) ??
    (payment.couponItemId === null
      ? null
      : inventory.spend(payment.couponItemId, 1, lootId, 'failed_to_spend_coupon'))
  );
}

/** The client's view of the vendor (`vendor_version`, `vendor_etag`) must be current. */
export function checkVendor(context: EntryContext, loot: Loot): ResultCode | null {
  const { entry, catalog } = context;
  const vendor = loot.vendor_id === null ? undefined : catalog.vendors.get(loot.vendor_id);
  if (entry.vendor_version != null && vendor?.version !== entry.vendor_version)
    return 'vendor_version_does_not_match';
  if (entry.vendor_etag != null && vendor?.etag !== entry.vendor_etag) return 'vendor_version_does_not_match';
  return null;
}

function checkVendorAndPrice(context: EntryContext<'purchase_loot'>, loot: Loot): ResultCode | null {
  const { entry, catalog } = context;
  const vendorRefused = checkVendor(context, loot);
  if (vendorRefused) return vendorRefused;
  if (loot.prices.length === 0) return 'price_not_allowed';
  const shown = entry.purchase_price;
  if (!catalog.items.has(shown.price_item_id)) return 'price_item_not_found';
  const price = loot.prices.find((candidate) => candidate.price_item_id === shown.price_item_id);
  if (!price) return 'loot_not_for_sale_with_price_item';
  if (price.price !== shown.price) return 'price_does_not_match';
  return null;
}

export function purchaseLoot(context: EntryContext<'purchase_loot'>): ResultCode {
  const { entry, catalog } = context;
  const { quantity, purchase_price: shown } = entry;
  const loot = catalog.loot.get(entry.loot_id);
  if (!loot) return 'loot_not_found';
  const refused = checkLootFillable(context, loot, quantity) ?? checkVendorAndPrice(context, loot);
  if (refused) return refused;
  const checked = checkPayment(context, shown, loot, quantity, shown.price * quantity);
  if ('refused' in checked) return checked.refused;
  return pay(context, loot.id, checked.payment) ?? applyLootFill(context, loot, quantity);
}
