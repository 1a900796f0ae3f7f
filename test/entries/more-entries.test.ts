import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';
import { results, waitForOrders } from '../helpers/orders.js';
import { giveHoldings, inventorySnapshot, type Holding } from '../helpers/holdings.js';

/**
 * promotion_code, purchase_dynamic_bundle, fill_loot_single_transient and fill_entitled_loot:
 * every result code of each, with the inventory read back through the
 * API after each order, and the shared guarantees (promotion uses under concurrency, uses returned
 * by a rolled-back transaction, a platform transaction fulfilled once).
 */

// Items
const COIN = 3000; // currency
const TOKEN = 3001; // second currency
const BLADE = 3002;
const BOW = 3003;
const HAT = 3004;
const CAPE = 3005;
const POTION = 3006;
const SKIN = 3007;
const DLC_ITEM = 3008;
const CURSE = 3009; // blocker
const COUPON_BUNDLE = 3010; // 50 % off BUNDLE in coins
const COUPON_OTHER_LOOT = 3011; // only for M_BLADE
const EMOTE = 3012;
const UNKNOWN_ITEM = 99_998;

// Vendors
const BUNDLE_VENDOR = 3000;

// Loot
const PROMO_LOOT = 3100;
const PROMO_LOOT_INACTIVE = 3101;
const GRANT_HAT = 3102;
const M_BLADE = 3110;
const M_BOW = 3111;
const M_CAPE = 3112;
const M_UNPRICED = 3113;
const BUNDLE = 3120;
const BUNDLE_CAPE = 3121;
const BUNDLE_NO_PRICES = 3122;
const BUNDLE_BLOCKED = 3123;
const BUNDLE_INACTIVE = 3124;
const PLAIN = 3125;
const TRANSIENT_LOOT = 3130;
const TRANSIENT_BLOCKED = 3131;
const ENTITLED_SKIN = 3140;
const ENTITLED_XBOX = 3141;
const ENTITLED_EPIC = 3142;
const ENTITLED_RETIRED = 3143;
const ENTITLED_PSN_ONLY = 3144;
const UNKNOWN_LOOT = 99_999;

// Prices: BUNDLE has members M_BLADE (99 coins / 10 tokens) and M_BOW (60 coins / 5 tokens), 15 % off.
const BLADE_COINS = 99;
const BOW_COINS = 60;
const BUNDLE_DISCOUNT = 15;
const BUNDLE_PRICE = Math.floor(((BLADE_COINS + BOW_COINS) * (100 - BUNDLE_DISCOUNT)) / 100); // 135
const BOW_ONLY_PRICE = Math.floor((BOW_COINS * (100 - BUNDLE_DISCOUNT)) / 100); // 51
const BUNDLE_TOKENS = Math.floor(((10 + 5) * (100 - BUNDLE_DISCOUNT)) / 100); // 12

const FAR_FUTURE = '2099-01-01T00:00:00Z';
const LONG_AGO = '2000-01-01T00:00:00Z';

// Promotions (each test uses its own, so that uses counted by one test do not leak into another)
const PROMO = {
  open: 'MORE-OPEN',
  twice: 'MORE-TWICE',
  inactive: 'MORE-INACTIVE',
  future: 'MORE-FUTURE',
  started: 'MORE-STARTED',
  expired: 'MORE-EXPIRED',
  inactiveAndExpired: 'MORE-INACTIVE-EXPIRED',
  oneUse: 'MORE-ONE-USE',
  zeroUses: 'MORE-ZERO-USES',
  deadLoot: 'MORE-DEAD-LOOT',
  brute: 'MORE-BRUTE',
  rollback: 'MORE-ROLLBACK',
  hundred: 'MORE-HUNDRED',
} as const;

const catalog = {
  items: [
    { id: COIN, name: 'Coin' },
    { id: TOKEN, name: 'Token' },
    { id: BLADE, name: 'Blade' },
    { id: BOW, name: 'Bow' },
    { id: HAT, name: 'Hat' },
    { id: CAPE, name: 'Cape' },
    { id: POTION, name: 'Potion' },
    { id: SKIN, name: 'Skin' },
    { id: DLC_ITEM, name: 'DLC item' },
    { id: CURSE, name: 'Curse' },
    {
      id: COUPON_BUNDLE,
      name: 'Half-price bundle coupon',
      coupon: { discount_percent: 50, price_item_ids: [COIN], loot_ids: [BUNDLE], max_quantity: 1 },
    },
    {
      id: COUPON_OTHER_LOOT,
      name: 'Blade coupon',
      coupon: { discount_percent: 10, price_item_ids: [], loot_ids: [M_BLADE], max_quantity: 1 },
    },
    { id: EMOTE, name: 'Emote' },
  ],
  vendors: [{ id: BUNDLE_VENDOR, name: 'Bundle shop' }],
  loot: [
    { id: PROMO_LOOT, name: 'Promo hat', contents: [{ item_id: HAT, quantity: 1 }] },
    {
      id: PROMO_LOOT_INACTIVE,
      name: 'Retired promo loot',
      active: false,
      contents: [{ item_id: HAT, quantity: 1 }],
    },
    { id: GRANT_HAT, name: 'Hat grant', contents: [{ item_id: HAT, quantity: 1 }] },
    {
      id: M_BLADE,
      name: 'Blade offer',
      prices: [
        { price_item_id: COIN, price: BLADE_COINS },
        { price_item_id: TOKEN, price: 10 },
      ],
      contents: [{ item_id: BLADE, quantity: 1 }],
    },
    {
      id: M_BOW,
      name: 'Bow offer',
      prices: [
        { price_item_id: COIN, price: BOW_COINS },
        { price_item_id: TOKEN, price: 5 },
      ],
      contents: [{ item_id: BOW, quantity: 1 }],
    },
    {
      id: M_CAPE,
      name: 'Cape offer (coins only)',
      prices: [{ price_item_id: COIN, price: 40 }],
      contents: [{ item_id: CAPE, quantity: 1 }],
    },
    { id: M_UNPRICED, name: 'Unpriced hat', contents: [{ item_id: HAT, quantity: 1 }] },
    {
      id: BUNDLE,
      name: 'Blade and bow bundle',
      vendor_id: BUNDLE_VENDOR,
      coupons_enabled: true,
      dynamic_bundle: { loot_ids: [M_BLADE, M_BOW], discount_percent: BUNDLE_DISCOUNT },
    },
    {
      id: BUNDLE_CAPE,
      name: 'Blade and cape bundle',
      vendor_id: BUNDLE_VENDOR,
      coupons_enabled: false,
      dynamic_bundle: { loot_ids: [M_BLADE, M_CAPE], discount_percent: 0 },
    },
    {
      id: BUNDLE_NO_PRICES,
      name: 'Bundle of unpriced loot',
      vendor_id: BUNDLE_VENDOR,
      dynamic_bundle: { loot_ids: [M_UNPRICED], discount_percent: 0 },
    },
    {
      id: BUNDLE_BLOCKED,
      name: 'Cursed bundle',
      vendor_id: BUNDLE_VENDOR,
      blockers: [CURSE],
      dynamic_bundle: { loot_ids: [M_BLADE, M_BOW], discount_percent: BUNDLE_DISCOUNT },
    },
    {
      id: BUNDLE_INACTIVE,
      name: 'Withdrawn bundle',
      active: false,
      vendor_id: BUNDLE_VENDOR,
      dynamic_bundle: { loot_ids: [M_BLADE, M_BOW], discount_percent: BUNDLE_DISCOUNT },
    },
    {
      id: PLAIN,
      name: 'Plain offer',
      vendor_id: BUNDLE_VENDOR,
      prices: [{ price_item_id: COIN, price: 10 }],
      contents: [{ item_id: HAT, quantity: 1 }],
    },
    {
      id: TRANSIENT_LOOT,
      name: 'Match potions',
      max_quantity: 3,
      contents: [{ item_id: POTION, quantity: 2 }],
    },
    {
      id: TRANSIENT_BLOCKED,
      name: 'Cursed match potions',
      blockers: [CURSE],
      contents: [{ item_id: POTION, quantity: 1 }],
    },
    {
      id: ENTITLED_SKIN,
      name: 'Skin DLC',
      entitlements: [
        { bucket: 'steam', sku: 'SKU-SKIN' },
        { bucket: 'psn', sku: 'SKU-SKIN' },
      ],
      contents: [{ item_id: SKIN, quantity: 1 }],
    },
    {
      id: ENTITLED_XBOX,
      name: 'Xbox DLC',
      entitlements: [{ bucket: 'xbox_live', sku: 'SKU-SKIN' }],
      contents: [{ item_id: DLC_ITEM, quantity: 1 }],
    },
    {
      id: ENTITLED_EPIC,
      name: 'Epic emote',
      entitlements: [{ bucket: 'epic', sku: 'SKU-EPIC' }],
      contents: [{ item_id: EMOTE, quantity: 1 }],
    },
    {
      id: ENTITLED_RETIRED,
      name: 'Retired DLC',
      active: false,
      entitlements: [{ bucket: 'steam', sku: 'SKU-RETIRED' }],
      contents: [{ item_id: SKIN, quantity: 1 }],
    },
    {
      id: ENTITLED_PSN_ONLY,
      name: 'PSN-only DLC',
      entitlements: [{ bucket: 'psn', sku: 'SKU-PSN-ONLY' }],
      contents: [{ item_id: DLC_ITEM, quantity: 1 }],
    },
  ],
  promotions: [
    { code: PROMO.open, loot_id: PROMO_LOOT, per_player: 1 },
    { code: PROMO.twice, loot_id: PROMO_LOOT, per_player: 2 },
    { code: PROMO.inactive, loot_id: PROMO_LOOT, active: false },
    { code: PROMO.future, loot_id: PROMO_LOOT, starts_at: FAR_FUTURE },
    { code: PROMO.started, loot_id: PROMO_LOOT, starts_at: LONG_AGO, expires_at: FAR_FUTURE },
    { code: PROMO.expired, loot_id: PROMO_LOOT, expires_at: LONG_AGO },
    { code: PROMO.inactiveAndExpired, loot_id: PROMO_LOOT, active: false, expires_at: LONG_AGO },
    { code: PROMO.oneUse, loot_id: PROMO_LOOT, max_uses: 1 },
    { code: PROMO.zeroUses, loot_id: PROMO_LOOT, max_uses: 0 },
    { code: PROMO.deadLoot, loot_id: PROMO_LOOT_INACTIVE, max_uses: 5 },
    { code: PROMO.brute, loot_id: PROMO_LOOT, per_player: 1 },
    { code: PROMO.rollback, loot_id: PROMO_LOOT, max_uses: 1, per_player: 1 },
    { code: PROMO.hundred, loot_id: PROMO_LOOT, max_uses: 100, per_player: 1 },
  ],
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const response = await h.putCatalog(catalog);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------
// helpers

const give = (player: string, holdings: Holding[]) => giveHoldings(h, player, holdings);
const snapshot = (player: string) => inventorySnapshot(h, player);

const balanceIn = (records: InventoryRecord[], itemId: number) =>
  records.filter((record) => record.item_id === itemId).reduce((sum, record) => sum + record.count, 0);

interface InvChange {
  before_item_id: number | null;
  after_item_id: number | null;
  before: InventoryRecord | null;
  after: InventoryRecord | null;
}

interface Detail {
  type: string;
  loot_id: number | null;
  code?: string;
  inv_change?: InvChange;
}

interface Entry {
  result: string;
  details: Detail[];
}

interface Order {
  order_id: string;
  status: string;
  entries: Entry[];
}

/** Submits an order and waits for its final state. */
async function submit(order: Record<string, unknown>): Promise<Order> {
  const response = await h.submit(order);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as Order;
}

/** Submits a one-entry order that must fail with `code`, changing nothing. */
async function expectRefused(order: Record<string, unknown>, code: string): Promise<void> {
  const player = order.player_uuid as string;
  const before = await snapshot(player);
  const final = await submit(order);
  expect(final.entries[0]!.result, JSON.stringify(final.entries[0])).toBe(code);
  expect(final.status).toBe('failed');
  expect(final.entries[0]!.details).toEqual([]);
  expect(await snapshot(player)).toEqual(before);
}

/** Submits a one-entry order that must succeed; answers the entry. */
async function expectSuccess(order: Record<string, unknown>): Promise<Entry> {
  const final = await submit(order);
  expect(final.entries[0]!.result, JSON.stringify(final.entries[0])).toBe('success');
  expect(final.status).toBe('succeeded');
  return final.entries[0]!;
}

/** Each inventory_change detail of an entry, compactly. */
const invChanges = (details: Detail[]) =>
  details
    .filter((detail) => detail.type === 'inventory_change')
    .map((detail) => ({
      loot_id: detail.loot_id,
      item: (detail.inv_change!.after_item_id ?? detail.inv_change!.before_item_id)!,
      before: detail.inv_change!.before?.count ?? null,
      after: detail.inv_change!.after?.count ?? null,
    }));

/** The detail a claim records, and the one a rolled-back claim adds, for a code of PROMO_LOOT. */
const promoDetail = (type: 'claim_promo_code' | 'return_promo_code', code: string): Detail => ({
  type,
  loot_id: PROMO_LOOT,
  code,
});

const promotionUses = async (code: string) => {
  const [row] = await h.sql<{ uses: number }>('select uses from promotion where code = ?', [code]);
  return row!.uses;
};

const promo = (player: string, code: string, order: Record<string, unknown> = {}) => ({
  player_uuid: player,
  ...order,
  entries: [{ type: 'promotion_code', external_tran_id: code }],
});

interface BundleOptions {
  lootId?: number;
  shown?: number[];
  priceItemId?: number;
  price?: number;
  coupon?: number;
  quantity?: number;
  vendorVersion?: number;
  vendorEtag?: string;
}

const buyBundle = (player: string, options: BundleOptions = {}) => ({
  player_uuid: player,
  entries: [
    {
      type: 'purchase_dynamic_bundle',
      loot_id: options.lootId ?? BUNDLE,
      quantity: options.quantity ?? 1,
      dynamic_bundle_loot_ids: options.shown ?? [M_BLADE, M_BOW],
      purchase_price: {
        price_item_id: options.priceItemId ?? COIN,
        price: options.price ?? BUNDLE_PRICE,
        ...(options.coupon !== undefined ? { price_coupon_item_id: options.coupon } : {}),
      },
      ...(options.vendorVersion !== undefined ? { vendor_version: options.vendorVersion } : {}),
      ...(options.vendorEtag !== undefined ? { vendor_etag: options.vendorEtag } : {}),
    },
  ],
});

const fillTransient = (player: string, lootId: number, matchId: string | null, quantity = 1) => ({
  player_uuid: player,
  ...(matchId !== null ? { match_id: matchId } : {}),
  entries: [{ type: 'fill_loot_single_transient', loot_id: lootId, quantity }],
});

interface EntitledOptions {
  source?: string | null;
  sku?: string;
  tran: string;
  bucket?: string;
}

const entitled = (player: string, options: EntitledOptions) => ({
  player_uuid: player,
  ...(options.source !== null ? { source: options.source ?? 'STEAM' } : {}),
  entries: [
    {
      type: 'fill_entitled_loot',
      external_item_sku: options.sku ?? 'SKU-SKIN',
      external_tran_id: options.tran,
      ...(options.bucket ? { use_inventory_bucket: options.bucket } : {}),
    },
  ],
});

const uniqueTran = (prefix: string) => `${prefix}-${newPlayer()}`;

/** Removes every record of an item the player holds (update_inventory, quantity 0). */
async function removeAll(player: string, itemId: number): Promise<void> {
  const records = await h.inventory(player, `&item_id=${itemId}`);
  const final = await submit({
    player_uuid: player,
    entries: records.map((record) => ({
      type: 'update_inventory',
      inventory_id: record.inventory_id,
      quantity: 0,
    })),
  });
  expect(final.status).toBe('succeeded');
  expect(await h.balance(player, itemId)).toBe(0);
}

// ---------------------------------------------------------------------------------------------
// promotion_code

describe('promotion_code', () => {
  it('claims the code: a claim_promo_code detail first, then the inventory changes of its loot', async () => {
    const player = newPlayer();
    const usesBefore = await promotionUses(PROMO.open);
    const entry = await expectSuccess(promo(player, PROMO.open));

    expect(entry.details[0]).toEqual(promoDetail('claim_promo_code', PROMO.open));
    expect(entry.details.slice(1).every((detail) => detail.type === 'inventory_change')).toBe(true);
    expect(invChanges(entry.details)).toEqual([{ loot_id: PROMO_LOOT, item: HAT, before: null, after: 1 }]);
    expect(await h.balance(player, HAT)).toBe(1);
    expect(await promotionUses(PROMO.open)).toBe(usesBefore + 1);
  });

  it('a player client may redeem a code whose loot is not fillable from the client; quantity is one claim', async () => {
    const player = newPlayer();
    const entry = await expectSuccess({
      player_uuid: player,
      source: 'CLIENT',
      entries: [{ type: 'promotion_code', external_tran_id: PROMO.started, quantity: 5 }],
    });
    expect(entry.details[0]).toEqual(promoDetail('claim_promo_code', PROMO.started));
    expect(await h.balance(player, HAT)).toBe(1);
  });

  it('promotion_claimed_already once the player reached per_player; another player may still claim', async () => {
    const player = newPlayer();
    await expectSuccess(promo(player, PROMO.twice));
    await expectSuccess(promo(player, PROMO.twice));
    expect(await h.balance(player, HAT)).toBe(2);
    await expectRefused(promo(player, PROMO.twice), 'promotion_claimed_already');
    expect(await h.balance(player, HAT)).toBe(2);

    const other = newPlayer();
    await expectSuccess(promo(other, PROMO.twice));
    expect(await h.balance(other, HAT)).toBe(1);
  });

  it('promotion_not_found for a code no promotion has', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(promo(player, 'MORE-NO-SUCH-CODE'), 'promotion_not_found');
    expect(await h.balance(player, HAT)).toBe(1);
  });

  it('promotion_not_available when inactive or not started yet; a started one is claimed', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(promo(player, PROMO.inactive), 'promotion_not_available');
    await expectRefused(promo(player, PROMO.future), 'promotion_not_available');
    // inactive is checked before expiry
    await expectRefused(promo(player, PROMO.inactiveAndExpired), 'promotion_not_available');
    expect(await h.balance(player, HAT)).toBe(1);

    await expectSuccess(promo(player, PROMO.started));
    expect(await h.balance(player, HAT)).toBe(2);
  });

  it('promotion_expired after expires_at', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(promo(player, PROMO.expired), 'promotion_expired');
    expect(await h.balance(player, HAT)).toBe(1);
    expect(await promotionUses(PROMO.expired)).toBe(0);
  });

  it('promotion_no_uses_left once max_uses is reached across players (checked before per_player)', async () => {
    const first = newPlayer();
    const second = newPlayer();
    await expectSuccess(promo(first, PROMO.oneUse));
    expect(await h.balance(first, HAT)).toBe(1);
    expect(await promotionUses(PROMO.oneUse)).toBe(1);

    await expectRefused(promo(second, PROMO.oneUse), 'promotion_no_uses_left');
    expect(await h.balance(second, HAT)).toBe(0);
    // the first player has no per-player limit here, and no uses are left either
    await expectRefused(promo(first, PROMO.oneUse), 'promotion_no_uses_left');
    expect(await h.balance(first, HAT)).toBe(1);
    expect(await promotionUses(PROMO.oneUse)).toBe(1);

    const third = newPlayer();
    await expectRefused(promo(third, PROMO.zeroUses), 'promotion_no_uses_left');
    expect(await h.balance(third, HAT)).toBe(0);
  });

  it('runs the fill_loot checks after the promotion checks: loot_not_active takes no use', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(promo(player, PROMO.deadLoot), 'loot_not_active');
    expect(await h.balance(player, HAT)).toBe(1);
    expect(await promotionUses(PROMO.deadLoot)).toBe(0);
  });

  it('a claim in a non-transactional order stands even when a later entry fails', async () => {
    const player = newPlayer();
    const final = await submit({
      player_uuid: player,
      entries: [
        { type: 'promotion_code', external_tran_id: PROMO.open },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(results(final)).toEqual(['success', 'loot_not_found']);
    expect(final.status).toBe('partially_succeeded');
    expect(final.entries[0]!.details[0]).toEqual(promoDetail('claim_promo_code', PROMO.open));
    expect(await h.balance(player, HAT)).toBe(1);
    await expectRefused(promo(player, PROMO.open), 'promotion_claimed_already');
  });
});

describe('promotion_code brute-force guard', () => {
  it('too_many_requests from the 11th attempt after 10 failed codes (failed orders included), whatever the code', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);

    // 1-5: unknown codes, one order each
    for (let i = 1; i <= 5; i++) {
      await expectRefused(promo(player, `MORE-GUESS-${i}`), 'promotion_not_found');
    }
    // 6, 7: known codes that cannot be claimed count as failures too
    await expectRefused(promo(player, PROMO.inactive), 'promotion_not_available');
    await expectRefused(promo(player, PROMO.expired), 'promotion_expired');
    // 8: a failed code inside a transactional order that failed as a whole
    const transactional = await submit({
      player_uuid: player,
      is_transaction: true,
      entries: [
        { type: 'fill_loot', loot_id: GRANT_HAT, quantity: 1 },
        { type: 'promotion_code', external_tran_id: 'MORE-GUESS-6' },
      ],
    });
    expect(results(transactional)).toEqual(['rollback', 'promotion_not_found']);
    expect(transactional.status).toBe('failed');
    // 9, 10: two failed codes in one order
    const twice = await submit({
      player_uuid: player,
      entries: [
        { type: 'promotion_code', external_tran_id: 'MORE-GUESS-7' },
        { type: 'promotion_code', external_tran_id: 'MORE-GUESS-8' },
      ],
    });
    expect(results(twice)).toEqual(['promotion_not_found', 'promotion_not_found']);
    expect(await h.balance(player, HAT)).toBe(1);

    // 11: a valid, claimable code is refused, and takes no use
    const usesBefore = await promotionUses(PROMO.brute);
    await expectRefused(promo(player, PROMO.brute), 'too_many_requests');
    // an unknown code gets the same answer: a guesser learns nothing
    await expectRefused(promo(player, 'MORE-GUESS-9'), 'too_many_requests');
    expect(await h.balance(player, HAT)).toBe(1);
    expect(await promotionUses(PROMO.brute)).toBe(usesBefore);

    // the limit is per player
    const other = newPlayer();
    await expectSuccess(promo(other, PROMO.brute));
    expect(await h.balance(other, HAT)).toBe(1);

    // once the failures are older than the window (an hour), the player may claim again
    await h.sql(
      `update promotion_failure set failed_at = failed_at - interval '2 hours' where player_uuid = ?`,
      [player],
    );
    await expectSuccess(promo(player, PROMO.brute));
    expect(await h.balance(player, HAT)).toBe(2);
  });

  it('up to 10 failed codes each keep their own result code', async () => {
    const player = newPlayer();
    for (let i = 1; i <= 10; i++) {
      await expectRefused(promo(player, `MORE-TRY-${i}`), 'promotion_not_found');
    }
    await expectRefused(promo(player, 'MORE-TRY-11'), 'too_many_requests');
    expect(await snapshot(player)).toEqual([]);
  });
});

describe('promotion_code in a transaction', () => {
  it('a claim followed by a failing entry is rolled back: use returned, return_promo_code detail', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 5 }]);
    const before = await snapshot(player);

    const final = await submit({
      player_uuid: player,
      is_transaction: true,
      entries: [
        { type: 'promotion_code', external_tran_id: PROMO.rollback },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
        { type: 'fill_loot', loot_id: GRANT_HAT, quantity: 1 },
      ],
    });
    expect(final.status).toBe('failed');
    expect(results(final)).toEqual(['rollback', 'loot_not_found', 'not_started']);
    const details = final.entries[0]!.details;
    expect(details[0]).toEqual(promoDetail('claim_promo_code', PROMO.rollback));
    expect(invChanges(details)).toEqual([{ loot_id: PROMO_LOOT, item: HAT, before: null, after: 1 }]);
    expect(details.at(-1)).toEqual(promoDetail('return_promo_code', PROMO.rollback));
    expect(final.entries[1]!.details).toEqual([]);
    expect(final.entries[2]!.details).toEqual([]);

    expect(await snapshot(player)).toEqual(before);
    expect(await promotionUses(PROMO.rollback)).toBe(0);

    // the single use was given back: another player claims it, and then it is gone
    const other = newPlayer();
    await expectSuccess(promo(other, PROMO.rollback));
    expect(await h.balance(other, HAT)).toBe(1);
    expect(await promotionUses(PROMO.rollback)).toBe(1);
    await expectRefused(promo(player, PROMO.rollback), 'promotion_no_uses_left');
    expect(await snapshot(player)).toEqual(before);
  });
});

describe('promotion_code under concurrency', () => {
  it('max_uses 100 redeemed by 300 concurrent orders of 300 players: exactly 100 succeed', async () => {
    const players = Array.from({ length: 300 }, () => newPlayer());
    const accepted = await Promise.all(
      players.map((player) => h.server('POST', '/v1/orders', promo(player, PROMO.hundred))),
    );
    for (const response of accepted) expect(response.status).toBe(202);
    const finals = await waitForOrders(
      h,
      accepted.map((response) => response.body.order_id as string),
    );

    const outcome = finals.map((final) => final.entries[0].result as string);
    expect(outcome.filter((result) => result === 'success')).toHaveLength(100);
    expect(outcome.filter((result) => result === 'promotion_no_uses_left')).toHaveLength(200);
    expect(await promotionUses(PROMO.hundred)).toBe(100);

    const hats: number[] = [];
    for (let i = 0; i < players.length; i += 50) {
      hats.push(...(await Promise.all(players.slice(i, i + 50).map((player) => h.balance(player, HAT)))));
    }
    players.forEach((_, index) => expect(hats[index]).toBe(outcome[index] === 'success' ? 1 : 0));
    expect(hats.reduce((sum, count) => sum + count, 0)).toBe(100);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// purchase_dynamic_bundle

describe('purchase_dynamic_bundle', () => {
  it('buys every member at the discounted sum, with a dynamic_bundle_lti detail before each member', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 200 }]);
    // the shown members are a set: their order does not matter
    const entry = await expectSuccess(buyBundle(player, { shown: [M_BOW, M_BLADE] }));

    expect(entry.details.map((detail) => [detail.type, detail.loot_id])).toEqual([
      ['inventory_change', BUNDLE],
      ['dynamic_bundle_lti', M_BLADE],
      ['inventory_change', M_BLADE],
      ['dynamic_bundle_lti', M_BOW],
      ['inventory_change', M_BOW],
    ]);
    expect(invChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 200, after: 200 - BUNDLE_PRICE },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(balanceIn(after, COIN)).toBe(200 - BUNDLE_PRICE);
    expect(balanceIn(after, BLADE)).toBe(1);
    expect(balanceIn(after, BOW)).toBe(1);
  });

  it('skips members the player holds: price and members from the rest only', async () => {
    const player = newPlayer();
    await give(player, [
      { item: COIN, quantity: 100 },
      { item: BLADE, quantity: 1 },
    ]);
    await expectRefused(buyBundle(player, { shown: [M_BLADE, M_BOW] }), 'dynamic_bundle_ltis_do_not_match');
    await expectRefused(buyBundle(player, { shown: [M_BOW], price: BUNDLE_PRICE }), 'price_does_not_match');

    const entry = await expectSuccess(buyBundle(player, { shown: [M_BOW], price: BOW_ONLY_PRICE }));
    expect(entry.details.filter((detail) => detail.type === 'dynamic_bundle_lti')).toEqual([
      { type: 'dynamic_bundle_lti', loot_id: M_BOW },
    ]);
    expect(invChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 100, after: 100 - BOW_ONLY_PRICE },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(balanceIn(after, COIN)).toBe(100 - BOW_ONLY_PRICE);
    expect(balanceIn(after, BLADE)).toBe(1);
    expect(balanceIn(after, BOW)).toBe(1);
  });

  it('dynamic_bundles_not_available when the player holds every member', async () => {
    const player = newPlayer();
    await give(player, [
      { item: COIN, quantity: 500 },
      { item: BLADE, quantity: 1 },
      { item: BOW, quantity: 1 },
    ]);
    await expectRefused(buyBundle(player, { shown: [] }), 'dynamic_bundles_not_available');
    await expectRefused(buyBundle(player), 'dynamic_bundles_not_available');
    expect(await h.balance(player, COIN)).toBe(500);
  });

  it('dynamic_bundle_invalid for a loot that is not a dynamic bundle, or no loot at all', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 500 }]);
    await expectRefused(
      buyBundle(player, { lootId: PLAIN, shown: [PLAIN], price: 10 }),
      'dynamic_bundle_invalid',
    );
    await expectRefused(buyBundle(player, { lootId: M_BLADE, shown: [M_BLADE] }), 'dynamic_bundle_invalid');
    await expectRefused(buyBundle(player, { lootId: UNKNOWN_LOOT }), 'dynamic_bundle_invalid');
    expect(await h.balance(player, COIN)).toBe(500);
  });

  it('dynamic_bundle_ltis_do_not_match when the shown members differ from the unheld ones', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 500 }]);
    await expectRefused(buyBundle(player, { shown: [M_BLADE] }), 'dynamic_bundle_ltis_do_not_match');
    await expectRefused(
      buyBundle(player, { shown: [M_BLADE, M_BOW, M_CAPE] }),
      'dynamic_bundle_ltis_do_not_match',
    );
    await expectRefused(buyBundle(player, { shown: [] }), 'dynamic_bundle_ltis_do_not_match');
    expect(await h.balance(player, COIN)).toBe(500);
  });

  it('runs the fill_loot checks on the bundle: loot_not_active, cannot_meet_loot_blocker, quantity_not_allowed', async () => {
    const player = newPlayer();
    await give(player, [
      { item: COIN, quantity: 500 },
      { item: CURSE, quantity: 1 },
    ]);
    await expectRefused(buyBundle(player, { lootId: BUNDLE_INACTIVE }), 'loot_not_active');
    await expectRefused(buyBundle(player, { lootId: BUNDLE_BLOCKED }), 'cannot_meet_loot_blocker');
    await expectRefused(buyBundle(player, { quantity: 0 }), 'quantity_not_allowed');
    // a dynamic bundle is bought once per entry (contract: "quantity is 1")
    await expectRefused(buyBundle(player, { quantity: 2 }), 'quantity_not_allowed');
    expect(await h.balance(player, COIN)).toBe(500);
    expect(await h.balance(player, BLADE)).toBe(0);
  });

  it('vendor_version_does_not_match for a stale vendor_version or vendor_etag; the current ones buy', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 500 }]);
    const stored = await h.admin('GET', '/v1/admin/catalog');
    expect(stored.status).toBe(200);
    const vendor = (stored.body.vendors as { id: number; version: number; etag: string }[]).find(
      (candidate) => candidate.id === BUNDLE_VENDOR,
    )!;
    await expectRefused(
      buyBundle(player, { vendorVersion: vendor.version + 1 }),
      'vendor_version_does_not_match',
    );
    await expectRefused(
      buyBundle(player, { vendorEtag: `${vendor.etag}-stale` }),
      'vendor_version_does_not_match',
    );
    expect(await h.balance(player, COIN)).toBe(500);

    await expectSuccess(buyBundle(player, { vendorVersion: vendor.version, vendorEtag: vendor.etag }));
    expect(await h.balance(player, COIN)).toBe(500 - BUNDLE_PRICE);
    expect(await h.balance(player, BLADE)).toBe(1);
    expect(await h.balance(player, BOW)).toBe(1);
  });

  it('price_not_allowed when no member has a price', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 500 }]);
    await expectRefused(
      buyBundle(player, { lootId: BUNDLE_NO_PRICES, shown: [M_UNPRICED], price: 0 }),
      'price_not_allowed',
    );
    expect(await h.balance(player, HAT)).toBe(0);
  });

  it('price_item_not_found for a price item the catalog does not have', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 500 }]);
    await expectRefused(buyBundle(player, { priceItemId: UNKNOWN_ITEM }), 'price_item_not_found');
    expect(await h.balance(player, COIN)).toBe(500);
  });

  it('loot_not_for_sale_with_price_item when an unheld member has no price in that item', async () => {
    const player = newPlayer();
    await give(player, [{ item: TOKEN, quantity: 50 }]);
    await expectRefused(
      buyBundle(player, { lootId: BUNDLE_CAPE, shown: [M_BLADE, M_CAPE], priceItemId: TOKEN, price: 10 }),
      'loot_not_for_sale_with_price_item',
    );
    expect(await h.balance(player, TOKEN)).toBe(50);

    // once the cape is held, only the blade is bought, and it has a token price
    await give(player, [{ item: CAPE, quantity: 1 }]);
    const entry = await expectSuccess(
      buyBundle(player, { lootId: BUNDLE_CAPE, shown: [M_BLADE], priceItemId: TOKEN, price: 10 }),
    );
    expect(invChanges(entry.details)).toEqual([
      { loot_id: BUNDLE_CAPE, item: TOKEN, before: 50, after: 40 },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
    ]);
    expect(await h.balance(player, TOKEN)).toBe(40);
    expect(await h.balance(player, BLADE)).toBe(1);
    expect(await h.balance(player, CAPE)).toBe(1);
  });

  it('price_does_not_match unless the price is floor(sum of unheld members × (100 − discount) / 100)', async () => {
    const player = newPlayer();
    await give(player, [
      { item: COIN, quantity: 500 },
      { item: TOKEN, quantity: 50 },
    ]);
    // the undiscounted sum, and the sum rounded up, are both refused
    await expectRefused(buyBundle(player, { price: BLADE_COINS + BOW_COINS }), 'price_does_not_match');
    await expectRefused(buyBundle(player, { price: BUNDLE_PRICE + 1 }), 'price_does_not_match');
    await expectRefused(buyBundle(player, { priceItemId: TOKEN, price: 13 }), 'price_does_not_match');
    expect(await h.balance(player, COIN)).toBe(500);

    // 15 tokens less 15 % is 12.75, rounded down to 12
    await expectSuccess(buyBundle(player, { priceItemId: TOKEN, price: BUNDLE_TOKENS }));
    expect(await h.balance(player, TOKEN)).toBe(50 - BUNDLE_TOKENS);
    expect(await h.balance(player, COIN)).toBe(500);
    expect(await h.balance(player, BLADE)).toBe(1);
    expect(await h.balance(player, BOW)).toBe(1);
  });

  it('coupon checks: coupons_disabled, coupon_item_not_applicable_for_loot, cannot_afford_coupon; a coupon discounts the bundle price', async () => {
    const player = newPlayer();
    await give(player, [
      { item: COIN, quantity: 500 },
      { item: CAPE, quantity: 1 },
      { item: COUPON_OTHER_LOOT, quantity: 1 },
    ]);
    await expectRefused(
      buyBundle(player, { lootId: BUNDLE_CAPE, shown: [M_BLADE], price: BLADE_COINS, coupon: COUPON_BUNDLE }),
      'coupons_disabled',
    );
    await expectRefused(
      buyBundle(player, { coupon: COUPON_OTHER_LOOT }),
      'coupon_item_not_applicable_for_loot',
    );
    await expectRefused(buyBundle(player, { coupon: COUPON_BUNDLE }), 'cannot_afford_coupon');
    expect(await h.balance(player, COIN)).toBe(500);

    await give(player, [{ item: COUPON_BUNDLE, quantity: 1 }]);
    const entry = await expectSuccess(buyBundle(player, { coupon: COUPON_BUNDLE }));
    const due = Math.floor(BUNDLE_PRICE / 2);
    expect(invChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 500, after: 500 - due },
      { loot_id: BUNDLE, item: COUPON_BUNDLE, before: 1, after: null },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(balanceIn(after, COIN)).toBe(500 - due);
    expect(balanceIn(after, COUPON_BUNDLE)).toBe(0);
    expect(balanceIn(after, COUPON_OTHER_LOOT)).toBe(1);
    expect(balanceIn(after, BLADE)).toBe(1);
    expect(balanceIn(after, BOW)).toBe(1);
  });

  it('cannot_afford_price when the player has less than the bundle price', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: BUNDLE_PRICE - 1 }]);
    await expectRefused(buyBundle(player), 'cannot_afford_price');
    expect(await h.balance(player, COIN)).toBe(BUNDLE_PRICE - 1);
    expect(await h.balance(player, BLADE)).toBe(0);
    expect(await h.balance(player, BOW)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// fill_loot_single_transient

describe('fill_loot_single_transient', () => {
  it('grants the contents as transient records', async () => {
    const player = newPlayer();
    const entry = await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-1', 2));
    expect(invChanges(entry.details)).toEqual([
      { loot_id: TRANSIENT_LOOT, item: POTION, before: null, after: 4 },
    ]);
    expect(entry.details[0]!.inv_change!.after!.type).toBe('transient');
    const after = await snapshot(player);
    expect(after.filter((record) => record.item_id === POTION)).toEqual([
      expect.objectContaining({ type: 'transient', count: 4, bucket: 'free' }),
    ]);
  });

  it('transient_single_loot_already_applied for the same player, loot and match_id; another match or player works', async () => {
    const player = newPlayer();
    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-a'));
    expect(await h.balance(player, POTION)).toBe(2);
    await expectRefused(
      fillTransient(player, TRANSIENT_LOOT, 'match-a'),
      'transient_single_loot_already_applied',
    );
    expect(await h.balance(player, POTION)).toBe(2);

    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-b'));
    expect(await h.balance(player, POTION)).toBe(4);

    const other = newPlayer();
    await expectSuccess(fillTransient(other, TRANSIENT_LOOT, 'match-a'));
    expect(await h.balance(other, POTION)).toBe(2);
    expect(await h.balance(player, POTION)).toBe(4);
  });

  it('twice in one order: the second entry is refused', async () => {
    const player = newPlayer();
    const final = await submit({
      player_uuid: player,
      match_id: 'match-same-order',
      entries: [
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
      ],
    });
    expect(results(final)).toEqual(['success', 'transient_single_loot_already_applied']);
    expect(final.status).toBe('partially_succeeded');
    expect(final.entries[1]!.details).toEqual([]);
    expect(await h.balance(player, POTION)).toBe(2);
  });

  it('without a match_id: once, then transient_single_loot_already_applied', async () => {
    const player = newPlayer();
    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, null));
    await expectRefused(fillTransient(player, TRANSIENT_LOOT, null), 'transient_single_loot_already_applied');
    expect(await h.balance(player, POTION)).toBe(2);
  });

  it('runs the fill_loot checks; a refused fill does not use up the match', async () => {
    const player = newPlayer();
    await give(player, [{ item: CURSE, quantity: 1 }]);
    await expectRefused(fillTransient(player, UNKNOWN_LOOT, 'match-x'), 'loot_not_found');
    await expectRefused(fillTransient(player, TRANSIENT_LOOT, 'match-x', 4), 'quantity_not_allowed');
    await expectRefused(fillTransient(player, TRANSIENT_BLOCKED, 'match-x'), 'cannot_meet_loot_blocker');
    expect(await h.balance(player, POTION)).toBe(0);

    await removeAll(player, CURSE);
    await expectSuccess(fillTransient(player, TRANSIENT_BLOCKED, 'match-x'));
    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-x'));
    expect(await h.balance(player, POTION)).toBe(3);
  });

  it('a fill rolled back by a transaction does not use up the match', async () => {
    const player = newPlayer();
    const final = await submit({
      player_uuid: player,
      match_id: 'match-rollback',
      is_transaction: true,
      entries: [
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(results(final)).toEqual(['rollback', 'loot_not_found']);
    expect(await snapshot(player)).toEqual([]);

    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-rollback'));
    expect(await h.balance(player, POTION)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// fill_entitled_loot

describe('fill_entitled_loot', () => {
  it('grants the loot entitled by the sku in the source bucket', async () => {
    const player = newPlayer();
    const entry = await expectSuccess(entitled(player, { tran: uniqueTran('steam') }));
    expect(invChanges(entry.details)).toEqual([
      { loot_id: ENTITLED_SKIN, item: SKIN, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(after).toEqual([expect.objectContaining({ item_id: SKIN, count: 1, bucket: 'steam' })]);
  });

  it('the sku is looked up in the grant bucket: the same sku on Xbox is another loot', async () => {
    const player = newPlayer();
    await expectSuccess(entitled(player, { source: 'XBOX', tran: uniqueTran('xbox') }));
    const after = await snapshot(player);
    expect(after).toEqual([expect.objectContaining({ item_id: DLC_ITEM, count: 1, bucket: 'xbox_live' })]);
  });

  it('use_inventory_bucket picks the bucket for a non-CLIENT source', async () => {
    const player = newPlayer();
    await expectSuccess(
      entitled(player, { source: 'IN_GAME', bucket: 'epic', sku: 'SKU-EPIC', tran: uniqueTran('epic') }),
    );
    expect(await snapshot(player)).toEqual([
      expect.objectContaining({ item_id: EMOTE, count: 1, bucket: 'epic' }),
    ]);
    // without it, an IN_GAME order grants into `free`, where no loot has that sku
    await expectRefused(
      entitled(player, { source: 'IN_GAME', sku: 'SKU-EPIC', tran: uniqueTran('epic') }),
      'loot_not_found',
    );
    expect(await h.balance(player, EMOTE)).toBe(1);
  });

  it('permission_denied for a CLIENT source, even naming a platform bucket; the transaction stays unused', async () => {
    const player = newPlayer();
    const tran = uniqueTran('steam');
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(entitled(player, { source: 'CLIENT', tran }), 'permission_denied');
    await expectRefused(entitled(player, { source: 'CLIENT', bucket: 'steam', tran }), 'permission_denied');
    expect(await h.balance(player, SKIN)).toBe(0);

    await expectSuccess(entitled(player, { source: 'STEAM', tran }));
    expect(await h.balance(player, SKIN)).toBe(1);
  });

  it('permission_denied for a platform transaction already fulfilled in that bucket, by any order or player', async () => {
    const player = newPlayer();
    const tran = uniqueTran('steam');
    await expectSuccess(entitled(player, { tran }));
    await expectRefused(entitled(player, { tran }), 'permission_denied');
    // the transaction is refused whatever the sku
    await expectRefused(entitled(player, { tran, sku: 'SKU-RETIRED' }), 'permission_denied');
    expect(await h.balance(player, SKIN)).toBe(1);

    const other = newPlayer();
    await expectRefused(entitled(other, { tran }), 'permission_denied');
    expect(await snapshot(other)).toEqual([]);
    // an explicit use_inventory_bucket naming the same bucket is the same transaction
    await expectRefused(entitled(other, { source: 'IN_GAME', bucket: 'steam', tran }), 'permission_denied');
    expect(await snapshot(other)).toEqual([]);
  });

  it('the same external_tran_id in another bucket is another transaction', async () => {
    const player = newPlayer();
    const tran = uniqueTran('shared');
    await expectSuccess(entitled(player, { source: 'STEAM', tran }));
    await expectSuccess(entitled(player, { source: 'PSN', tran }));
    const after = await snapshot(player);
    expect(
      after
        .filter((record) => record.item_id === SKIN)
        .map((record) => [record.bucket, record.count])
        .sort(),
    ).toEqual([
      ['psn', 1],
      ['steam', 1],
    ]);
    await expectRefused(entitled(player, { source: 'PSN', tran }), 'permission_denied');
    expect(await h.balance(player, SKIN)).toBe(2);
  });

  it('loot_not_found for a sku no loot is entitled by in that bucket', async () => {
    const player = newPlayer();
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(
      entitled(player, { sku: 'SKU-NOTHING', tran: uniqueTran('steam') }),
      'loot_not_found',
    );
    await expectRefused(
      entitled(player, { sku: 'SKU-PSN-ONLY', tran: uniqueTran('steam') }),
      'loot_not_found',
    );
    expect(await h.balance(player, DLC_ITEM)).toBe(0);
  });

  it('runs the fill_loot checks: loot_not_active, and the transaction stays unused', async () => {
    const player = newPlayer();
    const tran = uniqueTran('steam');
    await give(player, [{ item: HAT, quantity: 1 }]);
    await expectRefused(entitled(player, { sku: 'SKU-RETIRED', tran }), 'loot_not_active');
    expect(await h.balance(player, SKIN)).toBe(0);

    await expectSuccess(entitled(player, { tran }));
    expect(await h.balance(player, SKIN)).toBe(1);
  });

  it('a fulfilment rolled back by a transaction leaves the transaction unused', async () => {
    const player = newPlayer();
    const tran = uniqueTran('steam');
    const final = await submit({
      player_uuid: player,
      source: 'STEAM',
      is_transaction: true,
      entries: [
        { type: 'fill_entitled_loot', external_item_sku: 'SKU-SKIN', external_tran_id: tran },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(results(final)).toEqual(['rollback', 'loot_not_found']);
    expect(await snapshot(player)).toEqual([]);

    await expectSuccess(entitled(player, { tran }));
    expect(await h.balance(player, SKIN)).toBe(1);
  });

  it('the same platform transaction in several concurrent orders is granted once', async () => {
    const tran = uniqueTran('steam');
    const players = Array.from({ length: 5 }, () => newPlayer());
    const orders = [...players, players[0]!].map((player) => entitled(player, { tran }));
    const accepted = await Promise.all(orders.map((order) => h.server('POST', '/v1/orders', order)));
    for (const response of accepted) expect(response.status).toBe(202);
    const finals = await waitForOrders(
      h,
      accepted.map((response) => response.body.order_id as string),
    );
    const outcome = finals.map((final) => final.entries[0].result as string).sort();
    expect(outcome).toEqual([
      'permission_denied',
      'permission_denied',
      'permission_denied',
      'permission_denied',
      'permission_denied',
      'success',
    ]);
    const skins = await Promise.all(players.map((player) => h.balance(player, SKIN)));
    expect(skins.reduce((sum, count) => sum + count, 0)).toBe(1);
  });
});
