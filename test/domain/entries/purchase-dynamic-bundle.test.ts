import { describe, expect, it } from 'vitest';
import { inventoryChanges } from '../../helpers/details.js';
import {
  atVendorVersion,
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  MAX_COUNT,
  shownPrice,
  type Holding,
  type OrderInput,
  type PriceShown,
} from '../../helpers/engine.js';
import {
  BLADE,
  BLADE_COINS,
  BOW,
  BOW_COINS,
  BUNDLE,
  BUNDLE_BLOCKED,
  BUNDLE_CAPE,
  BUNDLE_DISCOUNT,
  BUNDLE_DUST,
  BUNDLE_INACTIVE,
  BUNDLE_NO_PRICES,
  BUNDLE_PRICE,
  BUNDLE_SET,
  BUNDLE_VENDOR,
  bundleAndClaimsCatalog,
  CAPE,
  COIN,
  COUPON_BUNDLE,
  COUPON_OTHER_LOOT,
  CURSE,
  DUST,
  M_BLADE,
  M_BOW,
  M_CAPE,
  M_DUST_HAT,
  M_SET,
  M_UNPRICED,
  PLAIN,
  TOKEN,
  UNKNOWN_ITEM,
  UNKNOWN_LOOT,
} from '../../fixtures/bundle-and-claims-catalog.js';

/**
 * purchase_dynamic_bundle: buys the members of a bundle the player does not hold yet, at the
 * discounted sum of their prices. The client shows members and price; both must match.
 */

const VENDOR_VERSION = 2;
const VENDOR_ETAG = 'bundle-shop-2';

// BUNDLE has members M_BLADE (99 coins / 10 tokens) and M_BOW (60 coins / 5 tokens), 15 % off.
const BOW_ONLY_PRICE = Math.floor((BOW_COINS * (100 - BUNDLE_DISCOUNT)) / 100); // 51
const BUNDLE_TOKENS = Math.floor(((10 + 5) * (100 - BUNDLE_DISCOUNT)) / 100); // 12

const catalog = atVendorVersion(bundleAndClaimsCatalog, BUNDLE_VENDOR, VENDOR_VERSION, VENDOR_ETAG);

const engineWith = (holdings: Holding[] = []) => engineFor({ ...catalog, holdings });

interface BundleOptions extends PriceShown {
  lootId?: number;
  shown?: number[];
  quantity?: number;
}

const buyBundle = (options: BundleOptions = {}): OrderInput => ({
  entries: [
    {
      type: 'purchase_dynamic_bundle',
      loot_id: options.lootId ?? BUNDLE,
      quantity: options.quantity,
      dynamic_bundle_loot_ids: options.shown ?? [M_BLADE, M_BOW],
      ...shownPrice(options, { priceItemId: COIN, price: BUNDLE_PRICE }),
    },
  ],
});

describe('purchase_dynamic_bundle buys', () => {
  it('every member at the discounted sum, with a dynamic_bundle_lti detail before each member', () => {
    const engine = engineWith([{ item: COIN, count: 200 }]);
    // the shown members are a set: their order does not matter
    const entry = expectSuccess(engine, buyBundle({ shown: [M_BOW, M_BLADE] }));
    expect(entry.quantity).toBe(1);
    expect(entry.details.map((detail) => [detail.type, detail.loot_id])).toEqual([
      ['inventory_change', BUNDLE],
      ['dynamic_bundle_lti', M_BLADE],
      ['inventory_change', M_BLADE],
      ['dynamic_bundle_lti', M_BOW],
      ['inventory_change', M_BOW],
    ]);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 200, after: 200 - BUNDLE_PRICE },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    expect(entry.details.filter((detail) => detail.type === 'dynamic_bundle_lti')).toEqual([
      { type: 'dynamic_bundle_lti', loot_id: M_BLADE },
      { type: 'dynamic_bundle_lti', loot_id: M_BOW },
    ]);
  });

  it('skips members the player holds: members and price from the rest only', () => {
    const engine = engineWith([
      { item: COIN, count: 100 },
      { item: BLADE, count: 1 },
    ]);
    expectRefused(engine, buyBundle({ shown: [M_BLADE, M_BOW] }), 'dynamic_bundle_ltis_do_not_match');
    expectRefused(engine, buyBundle({ shown: [M_BOW], price: BUNDLE_PRICE }), 'price_does_not_match');

    const entry = expectSuccess(engine, buyBundle({ shown: [M_BOW], price: BOW_ONLY_PRICE }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 100, after: 100 - BOW_ONLY_PRICE },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    expect(engine.balance(BLADE)).toBe(1);
  });

  it('a member is held only when every item of its contents is held, unexpired', () => {
    const halfSet = engineWith([
      { item: COIN, count: 500 },
      { item: BLADE, count: 1 },
    ]);
    expectSuccess(halfSet, buyBundle({ lootId: BUNDLE_SET, shown: [M_SET, M_CAPE], price: 140 }));

    const expiredBlade = engineWith([
      { item: COIN, count: 500 },
      { item: BLADE, count: 1, expires: inSeconds(-1) },
    ]);
    expectSuccess(expiredBlade, buyBundle());
  });

  it('pays in the second price item: floor(15 tokens × 85 %) = 12', () => {
    const engine = engineWith([{ item: TOKEN, count: 50 }]);
    expectSuccess(engine, buyBundle({ priceItemId: TOKEN, price: BUNDLE_TOKENS }));
    expect(engine.balance(TOKEN)).toBe(50 - BUNDLE_TOKENS);
    expect(engine.balance(BLADE)).toBe(1);
    expect(engine.balance(BOW)).toBe(1);
  });

  it('a coupon discounts the bundle price and is spent', () => {
    const engine = engineWith([
      { item: COIN, count: 500 },
      { item: COUPON_BUNDLE, count: 1 },
    ]);
    const entry = expectSuccess(engine, buyBundle({ coupon: COUPON_BUNDLE }));
    const due = Math.floor(BUNDLE_PRICE / 2);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 500, after: 500 - due },
      { loot_id: BUNDLE, item: COUPON_BUNDLE, before: 1, after: null },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
  });

  it('the current vendor_version and vendor_etag buy', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectSuccess(engine, buyBundle({ vendorVersion: VENDOR_VERSION, vendorEtag: VENDOR_ETAG }));
  });
});

describe('purchase_dynamic_bundle refusals spend nothing', () => {
  it('dynamic_bundles_not_available when the player holds every member', () => {
    const engine = engineWith([
      { item: COIN, count: 500 },
      { item: BLADE, count: 1 },
      { item: BOW, count: 1 },
    ]);
    expectRefused(engine, buyBundle({ shown: [] }), 'dynamic_bundles_not_available');
    expectRefused(engine, buyBundle(), 'dynamic_bundles_not_available');
  });

  it('dynamic_bundle_invalid for a loot that is not a dynamic bundle, or no loot at all', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectRefused(engine, buyBundle({ lootId: PLAIN, shown: [PLAIN], price: 10 }), 'dynamic_bundle_invalid');
    expectRefused(engine, buyBundle({ lootId: M_BLADE, shown: [M_BLADE] }), 'dynamic_bundle_invalid');
    expectRefused(engine, buyBundle({ lootId: UNKNOWN_LOOT }), 'dynamic_bundle_invalid');
  });

  it('dynamic_bundle_ltis_do_not_match when the shown members differ from the unheld ones', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectRefused(engine, buyBundle({ shown: [M_BLADE] }), 'dynamic_bundle_ltis_do_not_match');
    expectRefused(engine, buyBundle({ shown: [M_BLADE, M_BOW, M_CAPE] }), 'dynamic_bundle_ltis_do_not_match');
    expectRefused(engine, buyBundle({ shown: [M_BLADE, M_BLADE] }), 'dynamic_bundle_ltis_do_not_match');
    expectRefused(engine, buyBundle({ shown: [] }), 'dynamic_bundle_ltis_do_not_match');
  });

  it('quantity_not_allowed for any quantity but 1: a bundle is bought once per entry', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectRefused(engine, buyBundle({ quantity: 0 }), 'quantity_not_allowed');
    expectRefused(engine, buyBundle({ quantity: 2 }), 'quantity_not_allowed');
    expectSuccess(engine, buyBundle({ quantity: 1 }));
  });

  it('runs the fill_loot checks on the bundle: loot_not_active, cannot_meet_loot_blocker', () => {
    const engine = engineWith([
      { item: COIN, count: 500 },
      { item: CURSE, count: 1 },
    ]);
    expectRefused(engine, buyBundle({ lootId: BUNDLE_INACTIVE }), 'loot_not_active');
    expectRefused(engine, buyBundle({ lootId: BUNDLE_BLOCKED }), 'cannot_meet_loot_blocker');
  });

  it('vendor_version_does_not_match for a stale vendor_version or vendor_etag', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectRefused(engine, buyBundle({ vendorVersion: VENDOR_VERSION + 1 }), 'vendor_version_does_not_match');
    expectRefused(engine, buyBundle({ vendorEtag: `${VENDOR_ETAG}-stale` }), 'vendor_version_does_not_match');
  });

  it('price_not_allowed when no member has a price', () => {
    expectRefused(
      engineWith([{ item: COIN, count: 500 }]),
      buyBundle({ lootId: BUNDLE_NO_PRICES, shown: [M_UNPRICED], price: 0 }),
      'price_not_allowed',
    );
  });

  it('price_item_not_found for a price item the catalog does not have', () => {
    expectRefused(
      engineWith([{ item: COIN, count: 500 }]),
      buyBundle({ priceItemId: UNKNOWN_ITEM }),
      'price_item_not_found',
    );
  });

  it('loot_not_for_sale_with_price_item when an unheld member has no price in that item; once it is held, the rest sells', () => {
    const bladeAndCape = (priceItemId: number, shown: number[]) =>
      buyBundle({ lootId: BUNDLE_CAPE, shown, priceItemId, price: 10 });
    expectRefused(
      engineWith([{ item: TOKEN, count: 50 }]),
      bladeAndCape(TOKEN, [M_BLADE, M_CAPE]),
      'loot_not_for_sale_with_price_item',
    );

    const engine = engineWith([
      { item: TOKEN, count: 50 },
      { item: CAPE, count: 1 },
    ]);
    const entry = expectSuccess(engine, bladeAndCape(TOKEN, [M_BLADE]));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: BUNDLE_CAPE, item: TOKEN, before: 50, after: 40 },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
    ]);
  });

  it('price_does_not_match unless the price is floor(sum of unheld members × (100 − discount) / 100)', () => {
    const engine = engineWith([
      { item: COIN, count: 500 },
      { item: TOKEN, count: 50 },
    ]);
    expectRefused(engine, buyBundle({ price: BLADE_COINS + BOW_COINS }), 'price_does_not_match');
    expectRefused(engine, buyBundle({ price: BUNDLE_PRICE + 1 }), 'price_does_not_match');
    expectRefused(engine, buyBundle({ price: BUNDLE_PRICE - 1 }), 'price_does_not_match');
    // 15 tokens less 15 % is 12.75: rounded down, never up
    expectRefused(engine, buyBundle({ priceItemId: TOKEN, price: 13 }), 'price_does_not_match');
  });

  it('coupons_disabled, coupon_item_not_applicable_for_loot, cannot_afford_coupon', () => {
    const engine = engineWith([
      { item: COIN, count: 500 },
      { item: CAPE, count: 1 },
      { item: COUPON_OTHER_LOOT, count: 1 },
    ]);
    expectRefused(
      engine,
      buyBundle({ lootId: BUNDLE_CAPE, shown: [M_BLADE], price: BLADE_COINS, coupon: COUPON_BUNDLE }),
      'coupons_disabled',
    );
    // a coupon for one member is not a coupon for the bundle
    expectRefused(engine, buyBundle({ coupon: COUPON_OTHER_LOOT }), 'coupon_item_not_applicable_for_loot');
    expectRefused(engine, buyBundle({ coupon: COUPON_BUNDLE }), 'cannot_afford_coupon');
  });

  it('cannot_afford_price when the player has less than the bundle price', () => {
    expectRefused(engineWith([{ item: COIN, count: BUNDLE_PRICE - 1 }]), buyBundle(), 'cannot_afford_price');
  });

  it('a member that cannot be filled fails the entry with its own code, and the payment is given back', () => {
    expectRefused(
      engineWith([
        { item: COIN, count: 10 },
        { item: DUST, count: MAX_COUNT - 50 },
      ]),
      buyBundle({ lootId: BUNDLE_DUST, shown: [M_DUST_HAT], price: 5 }),
      'failed_to_modify_inventory',
    );
  });

  it('answers the first check that fails: the bundle, its members, the quantity, then vendor and price', () => {
    const engine = engineWith([{ item: COIN, count: 500 }]);
    expectRefused(engine, buyBundle({ lootId: PLAIN, shown: [], quantity: 2 }), 'dynamic_bundle_invalid');
    expectRefused(engine, buyBundle({ shown: [M_BLADE], quantity: 2 }), 'dynamic_bundle_ltis_do_not_match');
    expectRefused(engine, buyBundle({ quantity: 2, vendorVersion: 0 }), 'quantity_not_allowed');
    expectRefused(engine, buyBundle({ lootId: BUNDLE_INACTIVE, vendorVersion: 0 }), 'loot_not_active');
    expectRefused(engine, buyBundle({ vendorVersion: 0, price: 1 }), 'vendor_version_does_not_match');
  });
});
