import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';
import { expectDetailsMatch, type Change } from '../helpers/details.js';
import { giveHoldings, inventorySnapshot, type Holding } from '../helpers/holdings.js';
import { expectOrderRefused, expectOrderSucceeded, type FinalEntry } from '../helpers/orders.js';
import {
  AMULET,
  BOOTS,
  COUPON_30,
  CRYSTALS,
  HELM,
  KEY,
  lootCatalog,
  purchase,
  type PurchaseOptions,
  PASS,
  REQUIRES,
  RING,
  SHOP,
  SUB,
  SUB_SUB,
  VERSIONED,
  VERSIONED_VENDOR,
} from '../fixtures/loot-catalog.js';

/**
 * fill_loot and purchase_loot through the real service: one order of each, end to end, with every
 * detail checked against the inventory read back through the API; and vendor versions as the
 * catalog store moves them. Every rule and result code of both entry types is tested on the engine
 * alone (test/domain/entries/fill-loot.test.ts and purchase-loot.test.ts).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: lootCatalog });
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------
// helpers

const give = (player: string, holdings: Holding[]) => giveHoldings(h, player, holdings);
const snapshot = (player: string) => inventorySnapshot(h, player);

const fill = (player: string, lootId: number, quantity = 1) => ({
  player_uuid: player,
  entries: [{ type: 'fill_loot', loot_id: lootId, quantity }],
});

const purchaseBy = (player: string, lootId: number, options?: PurchaseOptions) => ({
  player_uuid: player,
  ...purchase(lootId, options),
});

const expectRefused = (order: Record<string, unknown>, code: string) => expectOrderRefused(h, order, code);
const expectSuccess = (order: Record<string, unknown>) => expectOrderSucceeded(h, order);

/** The details of an entry, compactly, in a stable order; each must be an inventory_change. */
function changes(entry: FinalEntry): Change[] {
  return entry.details
    .map((detail): Change => {
      expect(detail.type).toBe('inventory_change');
      const change = detail.inv_change!;
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

const counts = (records: InventoryRecord[], itemId: number) =>
  records.filter((record) => record.item_id === itemId).map((record) => record.count);

describe('fill_loot end to end', () => {
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
    for (const record of after) {
      expect(record).toMatchObject({ type: 'persistent', bucket: 'free', expires: null });
    }
    // Nothing else appeared: the records are the old ones plus Boots, Ring and Amulet.
    expect(after.length).toBe(before.length + 3);
  });
});

describe('purchase_loot end to end', () => {
  it('with a coupon, exactly the discounted total is enough; emptied records are removed', async () => {
    const player = newPlayer();
    await give(player, [
      { item: CRYSTALS, quantity: 94 },
      { item: COUPON_30, quantity: 1 },
    ]);
    const before = await snapshot(player);
    const entry = await expectSuccess(purchaseBy(player, SHOP, { quantity: 3, coupon: COUPON_30 }));
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

describe('vendor versions kept by the catalog store', () => {
  it('vendor_version_does_not_match for a stale vendor_version or vendor_etag after the loot changed', async () => {
    const player = newPlayer();
    await give(player, [{ item: CRYSTALS, quantity: 100 }]);

    const read = await h.admin('GET', '/v1/admin/catalog');
    expect(read.status).toBe(200);
    const old = read.body.vendors.find((vendor: { id: number }) => vendor.id === VERSIONED_VENDOR);
    expect(old.version).toBe(1);
    expect(typeof old.etag).toBe('string');

    const versionedLoot = lootCatalog.loot.find((loot) => loot.id === VERSIONED)!;
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
      purchaseBy(player, VERSIONED, { price: 12, vendorVersion: old.version }),
      'vendor_version_does_not_match',
    );
    await expectRefused(
      purchaseBy(player, VERSIONED, { price: 12, vendorEtag: old.etag }),
      'vendor_version_does_not_match',
    );
    await expectRefused(
      purchaseBy(player, VERSIONED, { price: 12, vendorVersion: current.version, vendorEtag: old.etag }),
      'vendor_version_does_not_match',
    );
    expect(await h.balance(player, CRYSTALS)).toBe(100);
    expect(await h.balance(player, BOOTS)).toBe(0);

    // The current version and etag are accepted.
    await expectSuccess(purchaseBy(player, VERSIONED, { price: 12, vendorVersion: current.version }));
    await expectSuccess(purchaseBy(player, VERSIONED, { price: 12, vendorEtag: current.etag }));
    await expectSuccess(
      purchaseBy(player, VERSIONED, { price: 12, vendorVersion: current.version, vendorEtag: current.etag }),
    );
    expect(await h.balance(player, CRYSTALS)).toBe(100 - 3 * 12);
    expect(await h.balance(player, BOOTS)).toBe(3);
  });
});
