import { describe, expect, it } from 'vitest';
import { inventoryChanges } from '../../helpers/details.js';
import {
  atVendorVersion,
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  type Holding,
} from '../../helpers/engine.js';
import {
  BOOTS,
  COUPON_30,
  COUPON_FREE,
  COUPON_MARKS_ONLY,
  COUPON_OTHER_LOOT,
  COUPON_RETIRED,
  CRYSTALS,
  CURSE,
  HELM,
  lootCatalog,
  purchase,
  type PurchaseOptions,
  MARKS,
  NO_COUPONS,
  NO_PRICE,
  SHOP,
  SHOP_BLOCKED,
  SHOP_INACTIVE,
  SHOP_PRICE,
  TICKET,
  TICKET_SHOP,
  UNKNOWN_ITEM,
  UNKNOWN_LOOT,
  VERSIONED,
  VERSIONED_PRICE,
  VERSIONED_VENDOR,
} from '../../fixtures/loot-catalog.js';

const VERSION = 3;
const ETAG = 'versioned-etag-3';

const catalog = atVendorVersion(lootCatalog, VERSIONED_VENDOR, VERSION, ETAG);

const engineWith = (holdings: Holding[] = []) => engineFor({ ...catalog, holdings });

describe('purchase_loot refusals spend nothing', () => {
  it('vendor_version_does_not_match for a stale vendor_version or vendor_etag; the current ones buy', () => {
    const engine = engineWith([{ item: CRYSTALS, count: 100 }]);
    const versioned = (options: PurchaseOptions) =>
      purchase(VERSIONED, { price: VERSIONED_PRICE, ...options });
    expectRefused(engine, versioned({ vendorVersion: VERSION - 1 }), 'vendor_version_does_not_match');
    expectRefused(engine, versioned({ vendorEtag: 'stale' }), 'vendor_version_does_not_match');
    expectRefused(
      engine,
      versioned({ vendorVersion: VERSION, vendorEtag: 'stale' }),
      'vendor_version_does_not_match',
    );
    expectRefused(
      engine,
      versioned({ vendorVersion: VERSION + 1, vendorEtag: ETAG }),
      'vendor_version_does_not_match',
    );

    expectSuccess(engine, versioned({ vendorVersion: VERSION }));
    expectSuccess(engine, versioned({ vendorEtag: ETAG }));
    expectSuccess(engine, versioned({ vendorVersion: VERSION, vendorEtag: ETAG }));
    // neither given: the client does not claim to know the vendor, and is not checked
    expectSuccess(engine, versioned({}));
    expect(engine.balance(CRYSTALS)).toBe(100 - 4 * VERSIONED_PRICE);
    expect(engine.balance(BOOTS)).toBe(4);
  });

  it('vendor_version_does_not_match for any vendor_version on loot that no vendor sells', () => {
    const engine = engineWith([{ item: TICKET, count: 20 }]);
    expectRefused(
      engine,
      purchase(TICKET_SHOP, { priceItemId: TICKET, price: 10, vendorVersion: 1 }),
      'vendor_version_does_not_match',
    );
  });

  it('price_not_allowed for loot with no prices, whatever price is shown', () => {
    const engine = engineWith([{ item: CRYSTALS, count: 100 }]);
    expectRefused(engine, purchase(NO_PRICE, { price: 0 }), 'price_not_allowed');
    expectRefused(engine, purchase(NO_PRICE, { price: 10 }), 'price_not_allowed');
  });

  it('price_item_not_found for a price item the catalog does not have', () => {
    expectRefused(
      engineWith([{ item: CRYSTALS, count: 100 }]),
      purchase(SHOP, { priceItemId: UNKNOWN_ITEM }),
      'price_item_not_found',
    );
  });

  it('loot_not_for_sale_with_price_item for an item the loot is not priced in', () => {
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 100 },
        { item: HELM, count: 100 },
      ]),
      purchase(SHOP, { priceItemId: HELM }),
      'loot_not_for_sale_with_price_item',
    );
  });

  it('price_does_not_match when the shown unit price differs from the catalog price', () => {
    const engine = engineWith([{ item: CRYSTALS, count: 100 }]);
    expectRefused(engine, purchase(SHOP, { price: SHOP_PRICE - 1 }), 'price_does_not_match');
    expectRefused(engine, purchase(SHOP, { price: SHOP_PRICE + 1 }), 'price_does_not_match');
    // the marks price shown with crystals as the price item does not match either
    expectRefused(engine, purchase(SHOP, { price: 10 }), 'price_does_not_match');
    // the shown price is per unit, not the total
    expectRefused(engine, purchase(SHOP, { quantity: 2, price: 2 * SHOP_PRICE }), 'price_does_not_match');
  });

  it('coupons_disabled for a coupon on loot that does not take coupons', () => {
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 100 },
        { item: COUPON_FREE, count: 1 },
      ]),
      purchase(NO_COUPONS, { price: 20, coupon: COUPON_FREE }),
      'coupons_disabled',
    );
  });

  it('coupon_item_not_found for an item that is not a coupon, or no item at all', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 100 },
      { item: BOOTS, count: 1 },
    ]);
    expectRefused(engine, purchase(SHOP, { coupon: BOOTS }), 'coupon_item_not_found');
    expectRefused(engine, purchase(SHOP, { coupon: UNKNOWN_ITEM }), 'coupon_item_not_found');
  });

  it('coupon_item_not_active for a held coupon whose item is inactive', () => {
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 100 },
        { item: COUPON_RETIRED, count: 1 },
      ]),
      purchase(SHOP, { coupon: COUPON_RETIRED }),
      'coupon_item_not_active',
    );
  });

  it('coupon_item_not_applicable_for_loot for a coupon limited to other loot', () => {
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 100 },
        { item: COUPON_OTHER_LOOT, count: 1 },
      ]),
      purchase(SHOP, { coupon: COUPON_OTHER_LOOT }),
      'coupon_item_not_applicable_for_loot',
    );
  });

  it('coupon_item_not_applicable_for_price_item for a coupon limited to another currency', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 100 },
      { item: MARKS, count: 100 },
      { item: COUPON_MARKS_ONLY, count: 1 },
      { item: COUPON_30, count: 1 },
    ]);
    expectRefused(
      engine,
      purchase(SHOP, { coupon: COUPON_MARKS_ONLY }),
      'coupon_item_not_applicable_for_price_item',
    );
    expectRefused(
      engine,
      purchase(SHOP, { priceItemId: MARKS, price: 10, coupon: COUPON_30 }),
      'coupon_item_not_applicable_for_price_item',
    );
  });

  it('coupon_item_not_applicable_for_quantity above the coupon max_quantity; at it the coupon applies', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 1000 },
      { item: COUPON_30, count: 5 },
    ]);
    expectRefused(
      engine,
      purchase(SHOP, { quantity: 4, coupon: COUPON_30 }),
      'coupon_item_not_applicable_for_quantity',
    );
    expectSuccess(engine, purchase(SHOP, { quantity: 3, coupon: COUPON_30 }));
  });

  it('cannot_afford_price when the player holds too little of the price item, or none', () => {
    expectRefused(
      engineWith([{ item: CRYSTALS, count: 3 * SHOP_PRICE - 1 }]),
      purchase(SHOP, { quantity: 3 }),
      'cannot_afford_price',
    );
    expectRefused(engineWith(), purchase(SHOP), 'cannot_afford_price');
  });

  it('cannot_afford_price checks the discounted total: one below it is refused', () => {
    // 3 × 45 = 135, 30 % off → floor(94.5) = 94.
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 93 },
        { item: COUPON_30, count: 1 },
      ]),
      purchase(SHOP, { quantity: 3, coupon: COUPON_30 }),
      'cannot_afford_price',
    );
  });

  it('cannot_afford_coupon when the player does not hold the coupon (an expired one is not held)', () => {
    expectRefused(
      engineWith([{ item: CRYSTALS, count: 500 }]),
      purchase(SHOP, { coupon: COUPON_30 }),
      'cannot_afford_coupon',
    );
    expectRefused(
      engineWith([
        { item: CRYSTALS, count: 500 },
        { item: COUPON_30, count: 1, expires: inSeconds(-1) },
      ]),
      purchase(SHOP, { coupon: COUPON_30 }),
      'cannot_afford_coupon',
    );
  });

  it('failed_to_spend_coupon when the coupon is also the price item and paying the price left none', () => {
    // 10 tickets half off is 5 tickets, and one more ticket as the coupon: 5 held are one short.
    const ticketPurchase = purchase(TICKET_SHOP, { priceItemId: TICKET, price: 10, coupon: TICKET });
    expectRefused(engineWith([{ item: TICKET, count: 5 }]), ticketPurchase, 'failed_to_spend_coupon');

    const engine = engineWith([{ item: TICKET, count: 6 }]);
    expectSuccess(engine, ticketPurchase);
    expect(engine.balance(TICKET)).toBe(0);
    expect(engine.balance(BOOTS)).toBe(1);
  });

  it('runs the fill_loot checks first: quantity_not_allowed, loot_not_found, loot_not_active, cannot_meet_loot_blocker', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 1000 },
      { item: CURSE, count: 1 },
    ]);
    expectRefused(engine, purchase(SHOP, { quantity: 0 }), 'quantity_not_allowed');
    expectRefused(engine, purchase(SHOP, { quantity: 6 }), 'quantity_not_allowed');
    expectRefused(engine, purchase(UNKNOWN_LOOT), 'loot_not_found');
    expectRefused(engine, purchase(SHOP_INACTIVE, { price: 10 }), 'loot_not_active');
    expectRefused(engine, purchase(SHOP_BLOCKED, { price: 10 }), 'cannot_meet_loot_blocker');
    // with a wrong price too, the loot is refused first
    expectRefused(engine, purchase(SHOP_INACTIVE, { price: 11 }), 'loot_not_active');
  });

  it('answers the first check that fails: vendor, then price, then coupon, then what the player can afford', () => {
    const engine = engineWith([{ item: CRYSTALS, count: 1 }]);
    expectRefused(
      engine,
      purchase(VERSIONED, { vendorVersion: VERSION + 1, price: 1, coupon: UNKNOWN_ITEM }),
      'vendor_version_does_not_match',
    );
    expectRefused(engine, purchase(SHOP, { price: 1, coupon: UNKNOWN_ITEM }), 'price_does_not_match');
    expectRefused(engine, purchase(SHOP, { coupon: UNKNOWN_ITEM }), 'coupon_item_not_found');
    expectRefused(engine, purchase(SHOP, { coupon: COUPON_30 }), 'cannot_afford_price');
  });
});

describe('purchase_loot buys', () => {
  it('takes price × quantity, then grants the contents × quantity', () => {
    const engine = engineWith([{ item: CRYSTALS, count: 200 }]);
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 3 }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 200, after: 200 - 3 * SHOP_PRICE },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
    ]);
    expect(engine.records().map((record) => [record.item_id, record.count])).toEqual([
      [CRYSTALS, 200 - 3 * SHOP_PRICE],
      [HELM, 3],
    ]);
  });

  it('pays in the second price item when the order names it', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 100 },
      { item: MARKS, count: 25 },
    ]);
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 2, priceItemId: MARKS, price: 10 }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: MARKS, before: 25, after: 5 },
      { loot_id: SHOP, item: HELM, before: null, after: 2 },
    ]);
    expect(engine.balance(CRYSTALS)).toBe(100);
  });

  it('with a coupon takes floor(total × (100 − discount) / 100) and one coupon', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 200 },
      { item: COUPON_30, count: 2 },
    ]);
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 3, coupon: COUPON_30 }));
    // 3 × 45 = 135, 30 % off → floor(94.5) = 94.
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 200, after: 106 },
      { loot_id: SHOP, item: COUPON_30, before: 2, after: 1 },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
    ]);
  });

  it('with a coupon, exactly the discounted total is enough; emptied records are removed', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 94 },
      { item: COUPON_30, count: 1 },
    ]);
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 3, coupon: COUPON_30 }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 94, after: null },
      { loot_id: SHOP, item: COUPON_30, before: 1, after: null },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
    ]);
    expect(engine.records().map((record) => [record.item_id, record.count])).toEqual([[HELM, 3]]);
  });

  it('a 100 % coupon takes the coupon and no currency, even from a player who holds none', () => {
    const engine = engineWith([{ item: COUPON_FREE, count: 1 }]);
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 2, coupon: COUPON_FREE }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: COUPON_FREE, before: 1, after: null },
      { loot_id: SHOP, item: HELM, before: null, after: 2 },
    ]);
  });
});

describe('purchase_loot spends in a fixed order', () => {
  it('the soonest-expiring record first, then the oldest acquired; emptied records are removed', () => {
    // The newer record comes first, so that its lower legacy id cannot be what puts the older one first.
    const engine = engineWith([
      { item: CRYSTALS, count: 100, acquired: '2030-02-01T00:00:00.000Z' },
      { item: CRYSTALS, count: 60, expires: inSeconds(2 * 86_400) },
      { item: CRYSTALS, count: 50, expires: inSeconds(86_400) },
      { item: CRYSTALS, count: 100, acquired: '2030-01-01T00:00:00.000Z' },
    ]);
    const [newer, expiresLater, expiresSooner, older] = engine.records();

    // 3 × 45 = 135: all of the sooner (50), all of the later (60), then 25 of the older record without expiry.
    const entry = expectSuccess(engine, purchase(SHOP, { quantity: 3 }));
    expect(entry.details.slice(0, 3).map((detail) => detail.inv_change)).toEqual([
      { before_item_id: CRYSTALS, after_item_id: null, before: expiresSooner, after: null },
      { before_item_id: CRYSTALS, after_item_id: null, before: expiresLater, after: null },
      { before_item_id: CRYSTALS, after_item_id: CRYSTALS, before: older, after: { ...older, count: 75 } },
    ]);
    expect(engine.records().filter((record) => record.item_id === CRYSTALS)).toEqual([
      newer,
      { ...older, count: 75 },
    ]);
  });

  it('records acquired at the same time are spent in legacy inventory id order', () => {
    const engine = engineWith([
      { item: CRYSTALS, count: 40 },
      { item: CRYSTALS, count: 40 },
    ]);
    const [first, second] = engine.records();
    expectSuccess(engine, purchase(SHOP));
    expect(engine.records().filter((record) => record.item_id === CRYSTALS)).toEqual([
      { ...second, count: 35 },
    ]);
    expect(first!.legacy_inventory_id).toBeLessThan(second!.legacy_inventory_id!);
  });

  it('expired records count for nothing and are never spent', () => {
    const expiredOnly = engineWith([{ item: CRYSTALS, count: 500, expires: inSeconds(-3600) }]);
    expectRefused(expiredOnly, purchase(SHOP), 'cannot_afford_price');

    const engine = engineWith([
      { item: CRYSTALS, count: 500, expires: inSeconds(-3600) },
      { item: CRYSTALS, count: 100 },
    ]);
    const [expired] = engine.records();
    const entry = expectSuccess(engine, purchase(SHOP));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 100, after: 100 - SHOP_PRICE },
      { loot_id: SHOP, item: HELM, before: null, after: 1 },
    ]);
    expect(engine.records()[0]).toEqual(expired);
  });
});
