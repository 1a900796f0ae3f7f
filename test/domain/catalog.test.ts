import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  catalogUpdateSchema,
  findCatalogProblems,
  indexCatalog,
  itemSchema,
  lootSchema,
  promotionSchema,
  type CatalogUpdate,
} from '../../src/domain/catalog.js';
import { catalogDefaults } from '../fixtures/catalog-defaults.js';

/** The catalog document's schemas, and the cross-references the admin API checks before storing it. */

type UpdateInput = z.input<typeof catalogUpdateSchema>;

const stored: UpdateInput = {
  items: [
    { id: 1, name: 'Gems' },
    { id: 2, name: 'Sword' },
  ],
  vendors: [{ id: 1, name: 'Store' }],
  loot: [{ id: 100, name: 'Sword pack', contents: [{ item_id: 2, quantity: 1 }] }],
};

/** The problems of `update` written over `before`, as the catalog store merges them (by id). */
function problemsOf(update: UpdateInput, before: UpdateInput = stored) {
  const parsedBefore = catalogUpdateSchema.parse(before);
  const parsed: CatalogUpdate = catalogUpdateSchema.parse(update);
  const merge = <T>(old: T[] = [], added: T[] = [], key: (value: T) => unknown) => {
    const merged = new Map(old.map((value) => [key(value), value]));
    for (const value of added) merged.set(key(value), value);
    return [...merged.values()];
  };
  const merged = indexCatalog(2, {
    items: merge(parsedBefore.items, parsed.items, (item) => item.id),
    vendors: merge(parsedBefore.vendors, parsed.vendors, (vendor) => vendor.id).map((vendor) => ({
      id: vendor.id,
      name: vendor.name,
      version: 1,
      etag: 'etag',
    })),
    loot: merge(parsedBefore.loot, parsed.loot, (loot) => loot.id),
    promotions: merge(parsedBefore.promotions, parsed.promotions, (promotion) => promotion.code),
  });
  return findCatalogProblems(parsed, merged);
}

describe('findCatalogProblems', () => {
  it('finds none when every id named exists, in the update or already stored', () => {
    expect(
      problemsOf({
        items: [
          { id: 3, name: 'Coupon', coupon: { discount_percent: 10, price_item_ids: [1], loot_ids: [101] } },
        ],
        loot: [
          {
            id: 101,
            name: 'Store offer',
            vendor_id: 1,
            prices: [{ price_item_id: 1, price: 5 }],
            contents: [{ item_id: 2, quantity: 1 }],
            sub_loot: [{ loot_id: 100, quantity: 1 }],
            blockers: [3],
            required: [{ item_id: 1, quantity: 1 }],
          },
          { id: 102, name: 'Bundle', dynamic_bundle: { loot_ids: [100, 101], discount_percent: 5 } },
        ],
        promotions: [{ code: 'CODE', loot_id: 100 }],
      }),
    ).toEqual([]);
  });

  it('names each unknown id where it appears', () => {
    const problems = problemsOf({
      items: [
        { id: 3, name: 'Coupon', coupon: { discount_percent: 10, price_item_ids: [9], loot_ids: [909] } },
      ],
      loot: [
        {
          id: 101,
          name: 'Everything unknown',
          vendor_id: 7,
          prices: [{ price_item_id: 9, price: 5 }],
          contents: [{ item_id: 9, quantity: 1 }],
          sub_loot: [{ loot_id: 909, quantity: 1 }],
          blockers: [9],
          required: [{ item_id: 9, quantity: 1 }],
          dynamic_bundle: { loot_ids: [909], discount_percent: 0 },
        },
      ],
      promotions: [{ code: 'CODE', loot_id: 909 }],
    });
    expect(problems).toEqual([
      { loc: ['items', 0, 'coupon', 'price_item_ids', 0], msg: 'unknown item id 9' },
      { loc: ['items', 0, 'coupon', 'loot_ids', 0], msg: 'unknown loot id 909' },
      { loc: ['loot', 0, 'vendor_id'], msg: 'unknown vendor id 7' },
      { loc: ['loot', 0, 'prices', 0, 'price_item_id'], msg: 'unknown item id 9' },
      { loc: ['loot', 0, 'contents', 0, 'item_id'], msg: 'unknown item id 9' },
      { loc: ['loot', 0, 'sub_loot', 0, 'loot_id'], msg: 'unknown loot id 909' },
      { loc: ['loot', 0, 'blockers', 0], msg: 'unknown item id 9' },
      { loc: ['loot', 0, 'required', 0, 'item_id'], msg: 'unknown item id 9' },
      { loc: ['loot', 0, 'dynamic_bundle', 'loot_ids', 0], msg: 'unknown loot id 909' },
      { loc: ['promotions', 0, 'loot_id'], msg: 'unknown loot id 909' },
    ]);
  });

  it('a dynamic bundle cannot hold itself', () => {
    expect(
      problemsOf({
        loot: [{ id: 102, name: 'Bundle', dynamic_bundle: { loot_ids: [100, 102], discount_percent: 0 } }],
      }),
    ).toEqual([{ loc: ['loot', 0, 'dynamic_bundle', 'loot_ids', 1], msg: 'a bundle cannot hold itself' }]);
  });

  it('available_until may not be before available_from', () => {
    const window = (from: string, until: string) =>
      problemsOf({ loot: [{ id: 101, name: 'Window', available_from: from, available_until: until }] });
    expect(window('2030-02-01T00:00:00Z', '2030-01-01T00:00:00Z')).toEqual([
      { loc: ['loot', 0, 'available_until'], msg: 'available_until is before available_from' },
    ]);
    expect(window('2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z')).toEqual([]);
  });

  it('no loot may contain itself through sub_loot, directly or through loot already stored', () => {
    expect(
      problemsOf({ loot: [{ id: 101, name: 'Loop', sub_loot: [{ loot_id: 101, quantity: 1 }] }] }),
    ).toEqual([{ loc: ['loot', 0, 'sub_loot'], msg: 'loot 101 contains itself through sub_loot' }]);
    // 100 is stored; making it hold 101, which holds 100, closes a loop
    const before = {
      ...stored,
      loot: [...stored.loot!, { id: 101, name: 'Holds 100', sub_loot: [{ loot_id: 100, quantity: 1 }] }],
    };
    expect(
      problemsOf(
        { loot: [{ id: 100, name: 'Holds 101', sub_loot: [{ loot_id: 101, quantity: 2 }] }] },
        before,
      ),
    ).toEqual([{ loc: ['loot', 0, 'sub_loot'], msg: 'loot 100 contains itself through sub_loot' }]);
    // the same sub-loot twice, or a diamond, is no loop
    expect(
      problemsOf({
        loot: [
          { id: 101, name: 'Holds 100', sub_loot: [{ loot_id: 100, quantity: 1 }] },
          {
            id: 102,
            name: 'Diamond',
            sub_loot: [
              { loot_id: 101, quantity: 1 },
              { loot_id: 100, quantity: 1 },
              { loot_id: 100, quantity: 1 },
            ],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('a friendly id names one item and one loot: another id may not take it, in the update or stored', () => {
    const before = { ...stored, items: [...stored.items!, { id: 3, name: 'Gold', friendly_id: 'GD' }] };
    expect(problemsOf({ items: [{ id: 1, name: 'Gems', friendly_id: 'GD' }] }, before)).toEqual([
      { loc: ['items', 0, 'friendly_id'], msg: 'friendly_id GD is already used by id 3' },
    ]);
    expect(
      problemsOf({
        loot: [
          { id: 101, name: 'A', friendly_id: 'pack' },
          { id: 102, name: 'B', friendly_id: 'pack' },
        ],
      }),
    ).toEqual([
      { loc: ['loot', 0, 'friendly_id'], msg: 'friendly_id pack is already used by id 102' },
      { loc: ['loot', 1, 'friendly_id'], msg: 'friendly_id pack is already used by id 101' },
    ]);
    // an item and a loot may share one; an item may keep its own, or hand it on in the same write
    expect(problemsOf({ loot: [{ id: 100, name: 'Sword pack', friendly_id: 'GD' }] }, before)).toEqual([]);
    expect(problemsOf({ items: [{ id: 3, name: 'Gold', friendly_id: 'GD' }] }, before)).toEqual([]);
    expect(
      problemsOf(
        {
          items: [
            { id: 3, name: 'Gold', friendly_id: 'GLD' },
            { id: 1, name: 'Gems', friendly_id: 'GD' },
          ],
        },
        before,
      ),
    ).toEqual([]);
  });
});

describe('catalog schemas', () => {
  it('fill in what a definition leaves out', () => {
    expect(itemSchema.parse({ id: 1, name: 'Gems' })).toEqual({
      id: 1,
      name: 'Gems',
      ...catalogDefaults.item,
    });
    expect(itemSchema.parse({ id: 2, name: 'Coupon', coupon: { discount_percent: 5 } }).coupon).toEqual({
      discount_percent: 5,
      ...catalogDefaults.coupon,
    });
    expect(lootSchema.parse({ id: 1, name: 'Loot', contents: [{ item_id: 1, quantity: 2 }] })).toEqual({
      id: 1,
      name: 'Loot',
      ...catalogDefaults.loot,
      contents: [{ item_id: 1, quantity: 2, ...catalogDefaults.content }],
    });
    expect(promotionSchema.parse({ code: 'CODE', loot_id: 1 })).toEqual({
      code: 'CODE',
      loot_id: 1,
      ...catalogDefaults.promotion,
    });
  });

  it('refuse unknown fields: a typo must not pass silently', () => {
    expect(itemSchema.safeParse({ id: 1, name: 'Gems', uniqe: true }).success).toBe(false);
    expect(lootSchema.safeParse({ id: 1, name: 'Loot', price: 5 }).success).toBe(false);
    expect(
      lootSchema.safeParse({ id: 1, name: 'Loot', contents: [{ item_id: 1, quantity: 1, expires: 5 }] })
        .success,
    ).toBe(false);
  });

  it('store datetimes in UTC, and refuse one without a zone', () => {
    expect(
      promotionSchema.parse({ code: 'C', loot_id: 1, expires_at: '2030-01-01T02:00:00+02:00' }).expires_at,
    ).toBe('2030-01-01T00:00:00.000Z');
    expect(
      promotionSchema.safeParse({ code: 'C', loot_id: 1, expires_at: '2030-01-01T02:00:00' }).success,
    ).toBe(false);
  });

  it('refuse an update naming no list, and one that says two things about one id or code', () => {
    expect(catalogUpdateSchema.safeParse({}).success).toBe(false);
    expect(catalogUpdateSchema.safeParse({ items: [] }).success).toBe(true);
    const twice = catalogUpdateSchema.safeParse({
      items: [
        { id: 1, name: 'Gems' },
        { id: 1, name: 'Gold' },
      ],
    });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues).toEqual([expect.objectContaining({ path: ['items', 1, 'id'] })]);
    expect(
      catalogUpdateSchema.safeParse({
        promotions: [
          { code: 'A', loot_id: 1 },
          { code: 'A', loot_id: 2 },
        ],
      }).success,
    ).toBe(false);
  });
});

describe('indexCatalog', () => {
  it('indexes by id (promotions by code) and lists always-owned items in id order', () => {
    const parsed = catalogUpdateSchema.parse({
      items: [
        { id: 9, name: 'Late badge', always_owned: true },
        { id: 1, name: 'Gems' },
        { id: 4, name: 'Early badge', always_owned: true },
      ],
      promotions: [{ code: 'CODE', loot_id: 1 }],
    });
    const catalog = indexCatalog(7, {
      items: parsed.items!,
      vendors: [],
      loot: [],
      promotions: parsed.promotions!,
    });
    expect(catalog.revision).toBe(7);
    expect(catalog.items.get(1)?.name).toBe('Gems');
    expect(catalog.promotions.get('CODE')?.loot_id).toBe(1);
    expect(catalog.alwaysOwnedItems.map((item) => item.id)).toEqual([4, 9]);
  });

  it('indexes items and loot by friendly id, leaving out those without one', () => {
    const parsed = catalogUpdateSchema.parse({
      items: [
        { id: 1, name: 'Gold', friendly_id: 'GD', currency: true },
        { id: 2, name: 'Sword' },
      ],
      loot: [{ id: 100, name: 'Pack', friendly_id: 'starter_pack' }],
    });
    const catalog = indexCatalog(1, {
      items: parsed.items!,
      vendors: [],
      loot: parsed.loot!,
      promotions: [],
    });
    expect([...catalog.itemsByFriendlyId.keys()]).toEqual(['GD']);
    expect(catalog.itemsByFriendlyId.get('GD')).toMatchObject({ id: 1, currency: true });
    expect(catalog.lootByFriendlyId.get('starter_pack')?.id).toBe(100);
  });
});
