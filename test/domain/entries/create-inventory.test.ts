import { describe, expect, it } from 'vitest';
import { BADGE, baseCatalog, CROWN, GEMS, OLD_ITEM, SHIELD, SWORD } from '../../helpers/catalog-fixture.js';
import {
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  MAX_COUNT,
  NOW,
  type EntryInput,
  type Holding,
  type OrderInput,
} from '../../helpers/engine.js';

/** create_new_persistent_inventory and create_new_transient_inventory: one record, made as asked. */

const MISSING_ITEM = 999_999;
const CREATE_TYPES = ['create_new_persistent_inventory', 'create_new_transient_inventory'] as const;

const engineWith = (holdings: Holding[] = []) => engineFor({ ...baseCatalog, holdings });

const create = (
  entry: Partial<EntryInput> & { item_id: number },
  order: Omit<OrderInput, 'entries'> = {},
): OrderInput => ({
  ...order,
  entries: [{ type: 'create_new_persistent_inventory', quantity: 1, ...entry }],
});

const customAttributes = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, `value_${i}`]));

describe('create_new_*_inventory makes a record', () => {
  it('one record as asked; one inventory_change detail with before null and after the record', () => {
    const engine = engineWith([{ item: GEMS, count: 1 }]);
    const expires = inSeconds(3600);
    const entry = expectSuccess(
      engine,
      create({ item_id: SWORD, quantity: 3, expires, custom_data: { colour: 'red' } }),
    );
    const created = engine.records()[1]!;
    expect(created).toEqual({
      inventory_id: expect.any(String),
      type: 'persistent',
      legacy_inventory_id: 2,
      bucket: 'free',
      count: 3,
      acquired: NOW.toISOString(),
      expires,
      custom_data: { colour: 'red' },
      item_id: SWORD,
      collection_id: 'default',
      stack_id: 'default',
      display_properties: null,
    });
    expect(entry.details).toEqual([
      {
        type: 'inventory_change',
        loot_id: null,
        inv_change: { before_item_id: null, after_item_id: SWORD, before: null, after: created },
      },
    ]);
  });

  it('create_new_transient_inventory makes a transient record', () => {
    const engine = engineWith();
    expectSuccess(engine, create({ type: 'create_new_transient_inventory', item_id: SHIELD, quantity: 2 }));
    expect(engine.records()).toEqual([
      expect.objectContaining({
        type: 'transient',
        item_id: SHIELD,
        count: 2,
        expires: null,
        custom_data: {},
      }),
    ]);
  });

  it('makes a record of its own each time, even for an item already held in the same bucket', () => {
    for (const type of CREATE_TYPES) {
      const engine = engineWith();
      expectSuccess(engine, create({ type, item_id: SWORD, quantity: 1 }));
      expectSuccess(engine, create({ type, item_id: SWORD, quantity: 2 }));
      expect(engine.records().map((record) => record.count)).toEqual([1, 2]);
    }
  });

  it('accepts exactly 20 custom attributes and a count of exactly 2,147,483,647', () => {
    const engine = engineWith();
    expectSuccess(engine, create({ item_id: GEMS, quantity: MAX_COUNT, custom_data: customAttributes(20) }));
    const [record] = engine.records();
    expect(record!.count).toBe(MAX_COUNT);
    expect(Object.keys(record!.custom_data)).toHaveLength(20);
  });

  it('a unique item is held once, count 1: creating it again succeeds and changes nothing', () => {
    const engine = engineWith();
    expectSuccess(engine, create({ item_id: CROWN, quantity: 3 }));
    const held = engine.records();
    expect(held).toEqual([expect.objectContaining({ item_id: CROWN, count: 1 })]);

    const again = expectSuccess(engine, create({ type: 'create_new_transient_inventory', item_id: CROWN }));
    expect(again.details).toEqual([]);
    expect(engine.records()).toEqual(held);
  });

  it('an always-owned item is never stored: creating it succeeds and changes nothing', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, create({ item_id: BADGE }));
    expect(entry.details).toEqual([]);
    expect(engine.records()).toEqual([]);
  });
});

describe('create_new_*_inventory buckets', () => {
  const bucketOf = (order: Omit<OrderInput, 'entries'>, entry: Partial<EntryInput> = {}) => {
    const engine = engineWith();
    expectSuccess(engine, create({ ...entry, item_id: SWORD }, order));
    return engine.records()[0]!.bucket;
  };

  it('use_inventory_bucket is honoured for every server source', () => {
    expect(bucketOf({}, { use_inventory_bucket: 'psn' })).toBe('psn');
    expect(bucketOf({ source: 'SYSTEM' }, { use_inventory_bucket: 'apple' })).toBe('apple');
    expect(
      bucketOf({ source: 'STEAM' }, { type: 'create_new_transient_inventory', use_inventory_bucket: 'epic' }),
    ).toBe('epic');
  });

  it('without use_inventory_bucket: STEAM → steam, XBOX → xbox_live, no platform source → free', () => {
    expect(bucketOf({ source: 'STEAM' })).toBe('steam');
    expect(bucketOf({ source: 'XBOX' })).toBe('xbox_live');
    expect(bucketOf({ source: 'SUPPORT' })).toBe('free');
    expect(bucketOf({})).toBe('free');
  });
});

describe('create_new_*_inventory refusals change nothing', () => {
  it('permission_denied when the source is CLIENT, whatever else the entry says', () => {
    for (const type of CREATE_TYPES) {
      const engine = engineWith();
      expectRefused(engine, create({ type, item_id: SWORD }, { source: 'CLIENT' }), 'permission_denied');
      expectRefused(
        engine,
        create({ type, item_id: SWORD, use_inventory_bucket: 'steam' }, { source: 'CLIENT' }),
        'permission_denied',
      );
      expectRefused(
        engine,
        create({ type, item_id: MISSING_ITEM }, { source: 'CLIENT' }),
        'permission_denied',
      );
    }
  });

  it('item_not_found for an item the catalog does not have', () => {
    for (const type of CREATE_TYPES) {
      expectRefused(
        engineWith([{ item: SWORD, count: 5 }]),
        create({ type, item_id: MISSING_ITEM }),
        'item_not_found',
      );
    }
  });

  it('item_not_active for an inactive item', () => {
    for (const type of CREATE_TYPES) {
      expectRefused(engineWith(), create({ type, item_id: OLD_ITEM }), 'item_not_active');
    }
  });

  it('available_until_is_in_past when expires is in the past or now', () => {
    for (const type of CREATE_TYPES) {
      const engine = engineWith();
      expectRefused(
        engine,
        create({ type, item_id: SWORD, expires: inSeconds(-60) }),
        'available_until_is_in_past',
      );
      expectRefused(
        engine,
        create({ type, item_id: SWORD, expires: inSeconds(0) }),
        'available_until_is_in_past',
      );
      expectSuccess(engine, create({ type, item_id: SWORD, expires: inSeconds(1) }));
    }
  });

  it('too_many_inv_custom_attributes with 21 custom_data keys', () => {
    for (const type of CREATE_TYPES) {
      expectRefused(
        engineWith(),
        create({ type, item_id: SWORD, custom_data: customAttributes(21) }),
        'too_many_inv_custom_attributes',
      );
    }
  });

  it('failed_to_modify_inventory for a count above 2,147,483,647', () => {
    for (const type of CREATE_TYPES) {
      expectRefused(
        engineWith(),
        create({ type, item_id: GEMS, quantity: MAX_COUNT + 1 }),
        'failed_to_modify_inventory',
      );
    }
  });

  it('failed_to_modify_inventory past the 3,500-record cap; the 3,500th record is still allowed', () => {
    const swords = (n: number) => Array.from({ length: n }, (): Holding => ({ item: SWORD, count: 1 }));
    for (const type of CREATE_TYPES) {
      expectRefused(
        engineWith(swords(3500)),
        create({ type, item_id: SHIELD }),
        'failed_to_modify_inventory',
      );

      const almost = engineWith(swords(3499));
      expectSuccess(almost, create({ type, item_id: SHIELD }));
      expect(almost.records()).toHaveLength(3500);
    }
  });

  it('answers the first check that fails: the item, then expires, then custom_data', () => {
    const engine = engineWith();
    const everythingWrong = { expires: inSeconds(-60), custom_data: customAttributes(21) };
    expectRefused(engine, create({ item_id: MISSING_ITEM, ...everythingWrong }), 'item_not_found');
    expectRefused(engine, create({ item_id: OLD_ITEM, ...everythingWrong }), 'item_not_active');
    expectRefused(engine, create({ item_id: SWORD, ...everythingWrong }), 'available_until_is_in_past');
  });
});
