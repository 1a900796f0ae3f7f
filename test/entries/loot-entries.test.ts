import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';
import { giveHoldings, inventorySnapshot, type Holding } from '../helpers/holdings.js';

/**
 * fill_loot and purchase_loot: every result code of both entry types,
 * with the inventory read back through the API after each order.
 */

const MAX_COUNT = 2_147_483_647;

// Items
const CRYSTALS = 1000; // currency
const MARKS = 1001; // second currency
const HELM = 1002;
const BOOTS = 1003;
const RING = 1004;
const AMULET = 1005;
const KEY = 1006; // consumed requirement
const PASS = 1007; // requirement only checked
const CURSE = 1008; // blocker
const EMBLEM = 1009; // always owned
const BOOST = 1010; // granted with an expiry
const DUST = 1011; // used to overflow counts
const COUPON_30 = 1020; // 30 % off SHOP in crystals, up to 3 at a time
const COUPON_OTHER_LOOT = 1021; // only for VERSIONED
const COUPON_MARKS_ONLY = 1022; // only for prices in marks
const COUPON_TEMP = 1023; // deactivated by its test

// Vendors
const SHOP_VENDOR = 1000;
const VERSIONED_VENDOR = 1001;

// Loot
const SUB = 1101;
const SUB_SUB = 1102;
const INACTIVE = 1103;
const NOT_YET = 1104;
const NO_LONGER = 1105;
const PORTAL_ONLY = 1106;
const CLIENT_OK = 1107;
const BLOCKED = 1108;
const REQUIRES = 1109;
const REQUIRES_ALWAYS_OWNED = 1110;
const WITH_INACTIVE_SUB = 1111;
const WITH_DUST_SUB = 1112;
const DUST_100 = 1113;
const EXPIRING = 1114;
const HUGE = 1115;
const CHECKS_ALWAYS_OWNED = 1116;
const SHOP = 1200;
const NO_PRICE = 1201;
const NO_COUPONS = 1202;
const VERSIONED = 1203;
const SHOP_BLOCKED = 1204;
const SHOP_INACTIVE = 1205;
const UNKNOWN_LOOT = 99_999;
const UNKNOWN_ITEM = 99_998;

const SHOP_PRICE = 45;
const FAR_FUTURE = '2099-01-01T00:00:00Z';
const LONG_AGO = '2000-01-01T00:00:00Z';

const catalog = {
  items: [
    { id: CRYSTALS, name: 'Crystals' },
    { id: MARKS, name: 'Marks' },
    { id: HELM, name: 'Helm' },
    { id: BOOTS, name: 'Boots' },
    { id: RING, name: 'Ring' },
    { id: AMULET, name: 'Amulet' },
    { id: KEY, name: 'Key' },
    { id: PASS, name: 'Pass' },
    { id: CURSE, name: 'Curse' },
    { id: EMBLEM, name: 'Emblem', always_owned: true },
    { id: BOOST, name: 'Boost' },
    { id: DUST, name: 'Dust' },
    {
      id: COUPON_30,
      name: '30 % coupon',
      coupon: { discount_percent: 30, price_item_ids: [CRYSTALS], loot_ids: [SHOP], max_quantity: 3 },
    },
    {
      id: COUPON_OTHER_LOOT,
      name: 'Coupon for another loot',
      coupon: { discount_percent: 10, price_item_ids: [], loot_ids: [VERSIONED], max_quantity: 5 },
    },
    {
      id: COUPON_MARKS_ONLY,
      name: 'Coupon for marks prices',
      coupon: { discount_percent: 10, price_item_ids: [MARKS], loot_ids: [], max_quantity: 5 },
    },
    {
      id: COUPON_TEMP,
      name: 'Coupon soon retired',
      coupon: { discount_percent: 10, price_item_ids: [], loot_ids: [], max_quantity: 5 },
    },
  ],
  vendors: [
    { id: SHOP_VENDOR, name: 'Armory shop' },
    { id: VERSIONED_VENDOR, name: 'Versioned shop' },
  ],
  loot: [
    { id: SUB_SUB, name: 'Amulet drop', contents: [{ item_id: AMULET, quantity: 1 }] },
    {
      id: SUB,
      name: 'Ring drop',
      contents: [{ item_id: RING, quantity: 1 }],
      sub_loot: [{ loot_id: SUB_SUB, quantity: 3 }],
    },
    { id: INACTIVE, name: 'Retired loot', active: false, contents: [{ item_id: HELM, quantity: 1 }] },
    {
      id: NOT_YET,
      name: 'Future loot',
      available_from: FAR_FUTURE,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: NO_LONGER,
      name: 'Past loot',
      available_until: LONG_AGO,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    { id: PORTAL_ONLY, name: 'Portal 7 loot', portal_ids: [7], contents: [{ item_id: HELM, quantity: 1 }] },
    {
      id: CLIENT_OK,
      name: 'Client-fillable loot',
      fillable_from_client: true,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    { id: BLOCKED, name: 'Blocked by curse', blockers: [CURSE], contents: [{ item_id: HELM, quantity: 1 }] },
    {
      id: REQUIRES,
      name: 'Key chest',
      max_quantity: 5,
      required: [
        { item_id: KEY, quantity: 2, consume: true },
        { item_id: PASS, quantity: 1, consume: false },
      ],
      contents: [
        { item_id: HELM, quantity: 2 },
        { item_id: BOOTS, quantity: 1 },
      ],
      sub_loot: [{ loot_id: SUB, quantity: 2 }],
    },
    {
      id: REQUIRES_ALWAYS_OWNED,
      name: 'Emblem exchange',
      required: [{ item_id: EMBLEM, quantity: 1, consume: true }],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: CHECKS_ALWAYS_OWNED,
      name: 'Emblem holders only',
      required: [{ item_id: EMBLEM, quantity: 1, consume: false }],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: WITH_INACTIVE_SUB,
      name: 'Holds retired loot',
      contents: [{ item_id: HELM, quantity: 1 }],
      sub_loot: [{ loot_id: INACTIVE, quantity: 1 }],
    },
    { id: DUST_100, name: 'Dust pile', contents: [{ item_id: DUST, quantity: 100 }] },
    {
      id: WITH_DUST_SUB,
      name: 'Helm with dust',
      contents: [{ item_id: HELM, quantity: 1 }],
      sub_loot: [{ loot_id: DUST_100, quantity: 1 }],
    },
    {
      id: EXPIRING,
      name: 'Boost pack',
      contents: [
        { item_id: BOOST, quantity: 3, expires_in_seconds: 3600 },
        { item_id: HELM, quantity: 1 },
      ],
    },
    { id: HUGE, name: 'Two billion dust', contents: [{ item_id: DUST, quantity: 2_000_000_000 }] },
    {
      id: SHOP,
      name: 'Helm offer',
      vendor_id: SHOP_VENDOR,
      prices: [
        { price_item_id: CRYSTALS, price: SHOP_PRICE },
        { price_item_id: MARKS, price: 10 },
      ],
      coupons_enabled: true,
      max_quantity: 5,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: NO_PRICE,
      name: 'Not for sale',
      vendor_id: SHOP_VENDOR,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: NO_COUPONS,
      name: 'No coupons here',
      vendor_id: SHOP_VENDOR,
      prices: [{ price_item_id: CRYSTALS, price: 20 }],
      coupons_enabled: false,
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: VERSIONED,
      name: 'Versioned offer',
      vendor_id: VERSIONED_VENDOR,
      prices: [{ price_item_id: CRYSTALS, price: 10 }],
      coupons_enabled: true,
      contents: [{ item_id: BOOTS, quantity: 1 }],
    },
    {
      id: SHOP_BLOCKED,
      name: 'Cursed offer',
      vendor_id: SHOP_VENDOR,
      prices: [{ price_item_id: CRYSTALS, price: 10 }],
      blockers: [CURSE],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: SHOP_INACTIVE,
      name: 'Withdrawn offer',
      active: false,
      vendor_id: SHOP_VENDOR,
      prices: [{ price_item_id: CRYSTALS, price: 10 }],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
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

const fill = (player: string, lootId: number, quantity = 1, order: Record<string, unknown> = {}) => ({
  player_uuid: player,
  ...order,
  entries: [{ type: 'fill_loot', loot_id: lootId, quantity }],
});

interface PurchaseOptions {
  quantity?: number;
  priceItemId?: number;
  price?: number;
  coupon?: number;
  vendorVersion?: number;
  vendorEtag?: string;
}

const purchase = (player: string, lootId: number, options: PurchaseOptions = {}) => ({
  player_uuid: player,
  entries: [
    {
      type: 'purchase_loot',
      loot_id: lootId,
      quantity: options.quantity ?? 1,
      purchase_price: {
        price_item_id: options.priceItemId ?? CRYSTALS,
        price: options.price ?? SHOP_PRICE,
        ...(options.coupon !== undefined ? { price_coupon_item_id: options.coupon } : {}),
      },
      ...(options.vendorVersion !== undefined ? { vendor_version: options.vendorVersion } : {}),
      ...(options.vendorEtag !== undefined ? { vendor_etag: options.vendorEtag } : {}),
    },
  ],
});

/** Submits a one-entry order that must fail with `code`, changing nothing. */
async function expectRefused(player: string, order: Record<string, unknown>, code: string): Promise<void> {
  const before = await snapshot(player);
  const response = await h.submit(order);
  expect(response.status).toBe(200);
  expect(response.body.entries[0].result).toBe(code);
  expect(response.body.status).toBe('failed');
  expect(response.body.entries[0].details).toEqual([]);
  expect(await snapshot(player)).toEqual(before);
}

interface InvChange {
  before_item_id: number | null;
  after_item_id: number | null;
  before: InventoryRecord | null;
  after: InventoryRecord | null;
}

interface Detail {
  type: string;
  loot_id: number | null;
  inv_change: InvChange;
}

interface Entry {
  result: string;
  details: Detail[];
}

/** Submits a one-entry order that must succeed; answers the entry. */
async function expectSuccess(order: Record<string, unknown>): Promise<Entry> {
  const response = await h.submit(order);
  expect(response.status).toBe(200);
  expect(response.body.entries[0].result, JSON.stringify(response.body.entries[0])).toBe('success');
  expect(response.body.status).toBe('succeeded');
  return response.body.entries[0] as Entry;
}

interface Change {
  loot_id: number | null;
  item: number;
  before: number | null;
  after: number | null;
}

/** The details of an entry, compactly, in a stable order; each must be an inventory_change. */
function changes(entry: Entry): Change[] {
  return entry.details
    .map((detail): Change => {
      expect(detail.type).toBe('inventory_change');
      const change = detail.inv_change;
      expect(change.before_item_id).toBe(change.before?.item_id ?? null);
      expect(change.after_item_id).toBe(change.after?.item_id ?? null);
      if (change.before && change.after) expect(change.after.inventory_id).toBe(change.before.inventory_id);
      return {
        loot_id: detail.loot_id,
        item: (change.after_item_id ?? change.before_item_id)!,
        before: change.before?.count ?? null,
        after: change.after?.count ?? null,
      };
    })
    .sort((a, b) => a.item - b.item || (a.before ?? -1) - (b.before ?? -1));
}

/** Every detail's `before` is the record as it was, and its `after` the record as it now is. */
function expectDetailsMatch(entry: Entry, before: InventoryRecord[], after: InventoryRecord[]): void {
  for (const { inv_change: change } of entry.details) {
    const inventoryId = (change.before ?? change.after)!.inventory_id;
    if (change.before) expect(before.find((r) => r.inventory_id === inventoryId)).toEqual(change.before);
    if (change.after) expect(after.find((r) => r.inventory_id === inventoryId)).toEqual(change.after);
    else expect(after.find((r) => r.inventory_id === inventoryId)).toBeUndefined();
  }
}

const counts = (records: InventoryRecord[], itemId: number) =>
  records.filter((record) => record.item_id === itemId).map((record) => record.count);

const inOneDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

// ---------------------------------------------------------------------------------------------
// fill_loot

describe('fill_loot refusals', () => {
  it('loot_not_found for an unknown loot id', async () => {
    const player = newPlayer();
    await give(player, [{ item: HELM, quantity: 1 }]);
    await expectRefused(player, fill(player, UNKNOWN_LOOT), 'loot_not_found');
  });

  it('loot_not_active for an inactive loot', async () => {
    const player = newPlayer();
    await give(player, [{ item: HELM, quantity: 1 }]);
    await expectRefused(player, fill(player, INACTIVE), 'loot_not_active');
  });

  it('loot_not_active before available_from and after available_until', async () => {
    const player = newPlayer();
    await give(player, [{ item: HELM, quantity: 1 }]);
    await expectRefused(player, fill(player, NOT_YET), 'loot_not_active');
    await expectRefused(player, fill(player, NO_LONGER), 'loot_not_active');
    expect(await h.balance(player, HELM)).toBe(1);
  });

  it('not_allowed_on_current_portal when the order portal differs or is absent; allowed on a listed portal', async () => {
    const player = newPlayer();
    await expectRefused(
      player,
      fill(player, PORTAL_ONLY, 1, { portal_id: 8 }),
      'not_allowed_on_current_portal',
    );
    await expectRefused(player, fill(player, PORTAL_ONLY), 'not_allowed_on_current_portal');
    expect(await h.balance(player, HELM)).toBe(0);

    await expectSuccess(fill(player, PORTAL_ONLY, 1, { portal_id: 7 }));
    expect(await h.balance(player, HELM)).toBe(1);
  });

  it('loot_not_fillable_from_client for a CLIENT order of loot not fillable from client; a fillable one succeeds', async () => {
    const player = newPlayer();
    await expectRefused(
      player,
      fill(player, REQUIRES, 1, { source: 'CLIENT' }),
      'loot_not_fillable_from_client',
    );
    await expectRefused(player, fill(player, SUB, 1, { source: 'CLIENT' }), 'loot_not_fillable_from_client');
    expect((await snapshot(player)).map((r) => r.item_id)).toEqual([EMBLEM]);

    await expectSuccess(fill(player, CLIENT_OK, 1, { source: 'CLIENT' }));
    expect(await h.balance(player, HELM)).toBe(1);
  });

  it('quantity_not_allowed for 0, a negative quantity and more than max_quantity', async () => {
    const player = newPlayer();
    await give(player, [
      { item: KEY, quantity: 20 },
      { item: PASS, quantity: 1 },
    ]);
    await expectRefused(player, fill(player, REQUIRES, 0), 'quantity_not_allowed');
    await expectRefused(player, fill(player, REQUIRES, -1), 'quantity_not_allowed');
    await expectRefused(player, fill(player, REQUIRES, 6), 'quantity_not_allowed');
    expect(await h.balance(player, KEY)).toBe(20);
    expect(await h.balance(player, HELM)).toBe(0);
  });

  it('cannot_meet_loot_blocker while the player holds a blocker item', async () => {
    const player = newPlayer();
    await give(player, [{ item: CURSE, quantity: 1 }]);
    await expectRefused(player, fill(player, BLOCKED), 'cannot_meet_loot_blocker');
    expect(await h.balance(player, HELM)).toBe(0);
  });

  it('cannot_meet_loot_required without a required item, or too few for the quantity', async () => {
    const noKey = newPlayer();
    await give(noKey, [{ item: PASS, quantity: 1 }]);
    await expectRefused(noKey, fill(noKey, REQUIRES), 'cannot_meet_loot_required');

    const noPass = newPlayer();
    await give(noPass, [{ item: KEY, quantity: 10 }]);
    await expectRefused(noPass, fill(noPass, REQUIRES), 'cannot_meet_loot_required');
    expect(await h.balance(noPass, KEY)).toBe(10);

    // Two keys are consumed per chest: three keys are not enough for two chests.
    const fewKeys = newPlayer();
    await give(fewKeys, [
      { item: KEY, quantity: 3 },
      { item: PASS, quantity: 1 },
    ]);
    await expectRefused(fewKeys, fill(fewKeys, REQUIRES, 2), 'cannot_meet_loot_required');
    expect(await h.balance(fewKeys, KEY)).toBe(3);
    expect(await h.balance(fewKeys, HELM)).toBe(0);
  });

  it('failed_to_consume_loot_required when a consumed requirement is always owned (held but not consumable)', async () => {
    const player = newPlayer();
    const before = await snapshot(player);
    expect(before).toEqual([expect.objectContaining({ item_id: EMBLEM, type: 'always_owned', count: 1 })]);
    await expectRefused(player, fill(player, REQUIRES_ALWAYS_OWNED), 'failed_to_consume_loot_required');
    expect(await h.balance(player, HELM)).toBe(0);
  });

  it('an always-owned requirement that is only checked counts as held', async () => {
    const player = newPlayer();
    const entry = await expectSuccess(fill(player, CHECKS_ALWAYS_OWNED));
    expect(changes(entry)).toEqual([{ loot_id: CHECKS_ALWAYS_OWNED, item: HELM, before: null, after: 1 }]);
    expect(await h.balance(player, HELM)).toBe(1);
    expect(await h.balance(player, EMBLEM)).toBe(1);
  });

  it('failed_to_find_any_sub_loot when a sub-loot is inactive', async () => {
    const player = newPlayer();
    await give(player, [{ item: HELM, quantity: 2 }]);
    await expectRefused(player, fill(player, WITH_INACTIVE_SUB), 'failed_to_find_any_sub_loot');
    expect(await h.balance(player, HELM)).toBe(2);
  });

  it('failed_to_fill_any_sub_loot when a sub-loot grant would push a count above 2,147,483,647', async () => {
    const player = newPlayer();
    await give(player, [{ item: DUST, quantity: MAX_COUNT - 50 }]);
    // The loot's own Helm would be granted; the whole entry is undone.
    await expectRefused(player, fill(player, WITH_DUST_SUB), 'failed_to_fill_any_sub_loot');
    expect(await h.balance(player, DUST)).toBe(MAX_COUNT - 50);
    expect(await h.balance(player, HELM)).toBe(0);
  });

  it('failed_to_modify_inventory when the loot’s own contents would overflow a count', async () => {
    const player = newPlayer();
    await give(player, [{ item: DUST, quantity: MAX_COUNT - 99 }]);
    await expectRefused(player, fill(player, DUST_100), 'failed_to_modify_inventory');
    expect(await h.balance(player, DUST)).toBe(MAX_COUNT - 99);

    // Exactly up to the maximum is allowed.
    const exact = newPlayer();
    await give(exact, [{ item: DUST, quantity: MAX_COUNT - 100 }]);
    await expectSuccess(fill(exact, DUST_100));
    expect(await h.balance(exact, DUST)).toBe(MAX_COUNT);
  });

  it('failed_to_modify_inventory when contents × quantity is above 2,147,483,647 on a fresh record', async () => {
    const player = newPlayer();
    await expectRefused(player, fill(player, HUGE, 2), 'failed_to_modify_inventory');
    expect(await h.balance(player, DUST)).toBe(0);
  });
});

describe('fill_loot success', () => {
  it('grants contents × quantity and sub-loot recursively, spends consumed requirements, one detail per record', async () => {
    const player = newPlayer();
    await give(player, [
      { item: KEY, quantity: 5 },
      { item: PASS, quantity: 1 },
      { item: HELM, quantity: 1 },
    ]);
    const before = await snapshot(player);

    const entry = await expectSuccess(fill(player, REQUIRES, 2));
    const after = await snapshot(player);

    // Keys: 2 per chest consumed; Pass only checked; Helm 2 per chest added to the held record;
    // Boots 1 per chest; Ring 1 per sub-loot (2 per chest); Amulet 1 per sub-sub-loot (3 per Ring).
    expect(changes(entry)).toEqual([
      { loot_id: REQUIRES, item: HELM, before: 1, after: 5 },
      { loot_id: REQUIRES, item: BOOTS, before: null, after: 2 },
      { loot_id: SUB, item: RING, before: null, after: 4 },
      { loot_id: SUB_SUB, item: AMULET, before: null, after: 12 },
      { loot_id: REQUIRES, item: KEY, before: 5, after: 1 },
    ]);
    expectDetailsMatch(entry, before, after);

    expect(counts(after, KEY)).toEqual([1]);
    expect(counts(after, PASS)).toEqual([1]);
    expect(counts(after, HELM)).toEqual([5]);
    expect(counts(after, BOOTS)).toEqual([2]);
    expect(counts(after, RING)).toEqual([4]);
    expect(counts(after, AMULET)).toEqual([12]);
    for (const record of after.filter((r) => r.type !== 'always_owned')) {
      expect(record).toMatchObject({ type: 'persistent', bucket: 'free', expires: null });
    }
    // Nothing else appeared: the records are the old ones plus Boots, Ring and Amulet.
    expect(after.length).toBe(before.length + 3);
  });

  it('a consumed requirement that reaches zero removes its record (detail after null)', async () => {
    const player = newPlayer();
    await give(player, [
      { item: KEY, quantity: 2 },
      { item: PASS, quantity: 1 },
    ]);
    const before = await snapshot(player);
    const entry = await expectSuccess(fill(player, REQUIRES));
    const after = await snapshot(player);
    expect(changes(entry).filter((change) => change.item === KEY)).toEqual([
      { loot_id: REQUIRES, item: KEY, before: 2, after: null },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(counts(after, KEY)).toEqual([]);
    expect(counts(after, HELM)).toEqual([2]);
  });

  it('contents with expires_in_seconds make a separate expiring record each time', async () => {
    const player = newPlayer();
    await give(player, [{ item: BOOST, quantity: 5 }]);
    const before = await snapshot(player);

    const start = Date.now();
    const entry = await expectSuccess(fill(player, EXPIRING, 2));
    const end = Date.now();
    const after = await snapshot(player);

    expect(changes(entry)).toEqual([
      { loot_id: EXPIRING, item: HELM, before: null, after: 2 },
      { loot_id: EXPIRING, item: BOOST, before: null, after: 6 },
    ]);
    expectDetailsMatch(entry, before, after);

    const boosts = after.filter((r) => r.item_id === BOOST);
    expect(boosts.map((r) => [r.count, r.expires === null])).toEqual([
      [5, true],
      [6, false],
    ]);
    const expires = Date.parse(boosts[1]!.expires!);
    expect(expires).toBeGreaterThanOrEqual(start + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(end + 3600_000 + 1000);

    // A second fill does not add to the expiring record: another one is made.
    await expectSuccess(fill(player, EXPIRING, 1));
    const again = await snapshot(player);
    expect(
      again
        .filter((r) => r.item_id === BOOST)
        .map((r) => [r.count, r.expires === null])
        .sort(),
    ).toEqual(
      [
        [3, false],
        [5, true],
        [6, false],
      ].sort(),
    );
    expect(counts(again, HELM)).toEqual([3]);
  });
});

// ---------------------------------------------------------------------------------------------
// purchase_loot

describe('purchase_loot refusals', () => {
  it('vendor_version_does_not_match for a stale vendor_version or vendor_etag after the loot changed', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);

    const read = await h.admin('GET', '/v1/admin/catalog');
    expect(read.status).toBe(200);
    const old = read.body.vendors.find((vendor: { id: number }) => vendor.id === VERSIONED_VENDOR);
    expect(old.version).toBe(1);
    expect(typeof old.etag).toBe('string');

    const versionedLoot = catalog.loot.find((loot) => loot.id === VERSIONED)!;
    const changed = await h.putCatalog({
      loot: [{ ...versionedLoot, prices: [{ price_item_id: CRYSTALS, price: 12 }] }],
    });
    expect(changed.status).toBe(200);
    const reread = await h.admin('GET', '/v1/admin/catalog');
    const current = reread.body.vendors.find((vendor: { id: number }) => vendor.id === VERSIONED_VENDOR);
    expect(current.version).toBe(old.version + 1);
    expect(current.etag).not.toBe(old.etag);
    expect(changed.body.vendors.find((vendor: { id: number }) => vendor.id === VERSIONED_VENDOR)).toEqual(
      current,
    );

    await expectRefused(
      player,
      purchase(player, VERSIONED, { price: 12, vendorVersion: old.version }),
      'vendor_version_does_not_match',
    );
    await expectRefused(
      player,
      purchase(player, VERSIONED, { price: 12, vendorEtag: old.etag }),
      'vendor_version_does_not_match',
    );
    await expectRefused(
      player,
      purchase(player, VERSIONED, { price: 12, vendorVersion: current.version, vendorEtag: old.etag }),
      'vendor_version_does_not_match',
    );
    expect(await h.balance(player, CRYSTALS)).toBe(100);
    expect(await h.balance(player, BOOTS)).toBe(0);

    // The current version and etag are accepted.
    await expectSuccess(purchase(player, VERSIONED, { price: 12, vendorVersion: current.version }));
    await expectSuccess(purchase(player, VERSIONED, { price: 12, vendorEtag: current.etag }));
    await expectSuccess(
      purchase(player, VERSIONED, { price: 12, vendorVersion: current.version, vendorEtag: current.etag }),
    );
    expect(await h.balance(player, CRYSTALS)).toBe(100 - 3 * 12);
    expect(await h.balance(player, BOOTS)).toBe(3);
  });

  it('price_not_allowed for loot with no prices', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    await expectRefused(player, purchase(player, NO_PRICE, { price: 0 }), 'price_not_allowed');
    await expectRefused(player, purchase(player, NO_PRICE, { price: 10 }), 'price_not_allowed');
  });

  it('price_item_not_found for a price item that does not exist', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    await expectRefused(
      player,
      purchase(player, SHOP, { priceItemId: UNKNOWN_ITEM }),
      'price_item_not_found',
    );
  });

  it('loot_not_for_sale_with_price_item for an item the loot is not priced in', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: HELM, quantity: 100 },
    ]);
    await expectRefused(
      player,
      purchase(player, SHOP, { priceItemId: HELM }),
      'loot_not_for_sale_with_price_item',
    );
  });

  it('price_does_not_match when the shown price differs from the catalog price', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    await expectRefused(player, purchase(player, SHOP, { price: SHOP_PRICE - 1 }), 'price_does_not_match');
    await expectRefused(player, purchase(player, SHOP, { price: SHOP_PRICE + 1 }), 'price_does_not_match');
    // The marks price shown with crystals as the price item does not match either.
    await expectRefused(player, purchase(player, SHOP, { price: 10 }), 'price_does_not_match');
  });

  it('coupons_disabled for a coupon on loot that does not take coupons', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: COUPON_TEMP, quantity: 1 },
    ]);
    await expectRefused(
      player,
      purchase(player, NO_COUPONS, { price: 20, coupon: COUPON_TEMP }),
      'coupons_disabled',
    );
  });

  it('coupon_item_not_found for an item that is not a coupon, or no item at all', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: BOOTS, quantity: 1 },
    ]);
    await expectRefused(player, purchase(player, SHOP, { coupon: BOOTS }), 'coupon_item_not_found');
    await expectRefused(player, purchase(player, SHOP, { coupon: UNKNOWN_ITEM }), 'coupon_item_not_found');
  });

  it('coupon_item_not_active for a held coupon whose item was deactivated', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: COUPON_TEMP, quantity: 1 },
    ]);
    const couponTemp = catalog.items.find((item) => item.id === COUPON_TEMP)!;
    expect((await h.putCatalog({ items: [{ ...couponTemp, active: false }] })).status).toBe(200);
    await expectRefused(player, purchase(player, SHOP, { coupon: COUPON_TEMP }), 'coupon_item_not_active');
    expect(await h.balance(player, COUPON_TEMP)).toBe(1);
  });

  it('coupon_item_not_applicable_for_loot for a coupon limited to other loot', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: COUPON_OTHER_LOOT, quantity: 1 },
    ]);
    await expectRefused(
      player,
      purchase(player, SHOP, { coupon: COUPON_OTHER_LOOT }),
      'coupon_item_not_applicable_for_loot',
    );
  });

  it('coupon_item_not_applicable_for_price_item for a coupon limited to another currency', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: MARKS, quantity: 100 },
      { item: COUPON_MARKS_ONLY, quantity: 1 },
      { item: COUPON_30, quantity: 1 },
    ]);
    await expectRefused(
      player,
      purchase(player, SHOP, { coupon: COUPON_MARKS_ONLY }),
      'coupon_item_not_applicable_for_price_item',
    );
    await expectRefused(
      player,
      purchase(player, SHOP, { priceItemId: MARKS, price: 10, coupon: COUPON_30 }),
      'coupon_item_not_applicable_for_price_item',
    );
  });

  it('coupon_item_not_applicable_for_quantity above the coupon max_quantity', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 1000 },
      { item: COUPON_30, quantity: 5 },
    ]);
    await expectRefused(
      player,
      purchase(player, SHOP, { quantity: 4, coupon: COUPON_30 }),
      'coupon_item_not_applicable_for_quantity',
    );
  });

  it('cannot_afford_price when the player holds too little of the price item', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 3 * SHOP_PRICE - 1 }]);
    await expectRefused(player, purchase(player, SHOP, { quantity: 3 }), 'cannot_afford_price');

    const none = newPlayer();
    await expectRefused(none, purchase(none, SHOP), 'cannot_afford_price');
  });

  it('cannot_afford_price checks the discounted total: one below it is refused', async () => {
    const player = newPlayer();
    // 3 × 45 = 135, 30 % off → floor(94.5) = 94.
    await give(player, [
      { item: CRYSTALS, quantity: 93 },
      { item: COUPON_30, quantity: 1 },
    ]);
    await expectRefused(
      player,
      purchase(player, SHOP, { quantity: 3, coupon: COUPON_30 }),
      'cannot_afford_price',
    );
  });

  it('cannot_afford_coupon when the player does not hold the coupon', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 500 }]);
    await expectRefused(player, purchase(player, SHOP, { coupon: COUPON_30 }), 'cannot_afford_coupon');
  });

  it('applies the fill_loot checks: quantity_not_allowed, loot_not_found, loot_not_active, cannot_meet_loot_blocker', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 1000 }]);
    await expectRefused(player, purchase(player, SHOP, { quantity: 0 }), 'quantity_not_allowed');
    await expectRefused(player, purchase(player, SHOP, { quantity: 6 }), 'quantity_not_allowed');
    await expectRefused(player, purchase(player, UNKNOWN_LOOT), 'loot_not_found');
    await expectRefused(player, purchase(player, SHOP_INACTIVE, { price: 10 }), 'loot_not_active');
    await give(player, [{ item: CURSE, quantity: 1 }]);
    await expectRefused(player, purchase(player, SHOP_BLOCKED, { price: 10 }), 'cannot_meet_loot_blocker');
    expect(await h.balance(player, CRYSTALS)).toBe(1000);
    expect(await h.balance(player, HELM)).toBe(0);
  });
});

describe('purchase_loot success', () => {
  it('takes price × quantity and grants the contents × quantity', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 200 }]);
    const before = await snapshot(player);
    const entry = await expectSuccess(purchase(player, SHOP, { quantity: 3 }));
    const after = await snapshot(player);
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 200, after: 200 - 3 * SHOP_PRICE },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(counts(after, CRYSTALS)).toEqual([200 - 3 * SHOP_PRICE]);
    expect(counts(after, HELM)).toEqual([3]);
  });

  it('pays in the second price item when the order names it', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 100 },
      { item: MARKS, quantity: 25 },
    ]);
    const entry = await expectSuccess(purchase(player, SHOP, { quantity: 2, priceItemId: MARKS, price: 10 }));
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: MARKS, before: 25, after: 5 },
      { loot_id: SHOP, item: HELM, before: null, after: 2 },
    ]);
    expect(await h.balance(player, MARKS)).toBe(5);
    expect(await h.balance(player, CRYSTALS)).toBe(100);
    expect(await h.balance(player, HELM)).toBe(2);
  });

  it('with a coupon takes floor(total × (100 − discount) / 100) and one coupon', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 200 },
      { item: COUPON_30, quantity: 2 },
    ]);
    const before = await snapshot(player);
    const entry = await expectSuccess(purchase(player, SHOP, { quantity: 3, coupon: COUPON_30 }));
    const after = await snapshot(player);
    // 3 × 45 = 135, 30 % off → floor(94.5) = 94.
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 200, after: 106 },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
      { loot_id: SHOP, item: COUPON_30, before: 2, after: 1 },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(await h.balance(player, CRYSTALS)).toBe(106);
    expect(await h.balance(player, COUPON_30)).toBe(1);
    expect(await h.balance(player, HELM)).toBe(3);
  });

  it('with a coupon, exactly the discounted total is enough; emptied records are removed', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 94 },
      { item: COUPON_30, quantity: 1 },
    ]);
    const before = await snapshot(player);
    const entry = await expectSuccess(purchase(player, SHOP, { quantity: 3, coupon: COUPON_30 }));
    const after = await snapshot(player);
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 94, after: null },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
      { loot_id: SHOP, item: COUPON_30, before: 1, after: null },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(counts(after, CRYSTALS)).toEqual([]);
    expect(counts(after, COUPON_30)).toEqual([]);
    expect(counts(after, HELM)).toEqual([3]);
  });
});

describe('spending order', () => {
  it('takes the soonest-expiring record first, then the oldest; emptied records are removed', async () => {
    const player = newPlayer();
    // Made in this order, one order each: A (no expiry), B (expires later), C (expires sooner), D (no expiry).
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    await give(player, [{ item: CRYSTALS, quantity: 60, expires: inOneDay(2) }]);
    await give(player, [{ item: CRYSTALS, quantity: 50, expires: inOneDay(1) }]);
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    const before = await snapshot(player);
    const [a, b, c, d] = before.filter((r) => r.item_id === CRYSTALS);
    expect([a!.count, b!.count, c!.count, d!.count]).toEqual([100, 60, 50, 100]);

    // 3 × 45 = 135: all of C (50), all of B (60), then 25 of A, the older record without expiry.
    const entry = await expectSuccess(purchase(player, SHOP, { quantity: 3 }));
    const after = await snapshot(player);

    const byRecord = new Map(
      entry.details.map((detail) => [
        (detail.inv_change.before ?? detail.inv_change.after)!.inventory_id,
        detail,
      ]),
    );
    expect(byRecord.size).toBe(entry.details.length);
    expect(byRecord.get(c!.inventory_id)?.inv_change).toMatchObject({
      before_item_id: CRYSTALS,
      after_item_id: null,
      before: c,
      after: null,
    });
    expect(byRecord.get(b!.inventory_id)?.inv_change).toMatchObject({
      before_item_id: CRYSTALS,
      after_item_id: null,
      before: b,
      after: null,
    });
    expect(byRecord.get(a!.inventory_id)?.inv_change).toMatchObject({
      before: a,
      after: { ...a, count: 75 },
    });
    expect(byRecord.has(d!.inventory_id)).toBe(false);
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 50, after: null },
      { loot_id: SHOP, item: CRYSTALS, before: 60, after: null },
      { loot_id: SHOP, item: CRYSTALS, before: 100, after: 75 },
      { loot_id: SHOP, item: HELM, before: null, after: 3 },
    ]);
    expectDetailsMatch(entry, before, after);

    const crystals = after.filter((r) => r.item_id === CRYSTALS);
    expect(crystals).toEqual([{ ...a, count: 75 }, d]);
  });

  it('expired records count for nothing: cannot_afford_price with only expired currency, and they are never spent', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 500, expires: inOneDay(1) }]);
    const [record] = await snapshot(player).then((records) => records.filter((r) => r.item_id === CRYSTALS));
    // Let the record expire (records cannot be created already expired).
    await h.sql(`update inventory_record set expires = now() - interval '1 hour' where inventory_id = ?`, [
      record!.inventory_id,
    ]);
    expect(await h.balance(player, CRYSTALS)).toBe(0);
    const expired = (await snapshot(player)).find((r) => r.inventory_id === record!.inventory_id)!;
    expect(expired.count).toBe(500);

    await expectRefused(player, purchase(player, SHOP), 'cannot_afford_price');

    // With fresh currency too, only the fresh record pays; the expired one is left alone.
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);
    const before = await snapshot(player);
    const entry = await expectSuccess(purchase(player, SHOP));
    const after = await snapshot(player);
    expect(changes(entry)).toEqual([
      { loot_id: SHOP, item: CRYSTALS, before: 100, after: 100 - SHOP_PRICE },
      { loot_id: SHOP, item: HELM, before: null, after: 1 },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(after.find((r) => r.inventory_id === record!.inventory_id)).toEqual(expired);
    expect(await h.balance(player, CRYSTALS)).toBe(100 - SHOP_PRICE);
  });
});
