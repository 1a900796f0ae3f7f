import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InventoryRecordView } from '../../../src/domain/details.js';
import { BADGE, baseCatalog, CROWN, GEMS, OLD_ITEM, SHIELD, SWORD } from '../../helpers/catalog-fixture.js';
import {
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  MAX_COUNT,
  type EntryInput,
  type Holding,
  type OrderInput,
} from '../../helpers/engine.js';

/**
 * update_existing_persistent_inventory, update_existing_transient_inventory and update_inventory:
 * change the record named by inventory_id or legacy_inventory_id; only the fields given change.
 */

const MISSING_ITEM = 999_999;
const UPDATE_TYPES = [
  'update_existing_persistent_inventory',
  'update_existing_transient_inventory',
  'update_inventory',
] as const;

/** A player holding five swords (persistent) and two shields (transient). */
function engineWithRecords(holdings: Holding[] = []) {
  const engine = engineFor({
    ...baseCatalog,
    holdings: [
      { item: SWORD, count: 5, custom_data: { colour: 'red' } },
      { item: SHIELD, count: 2, type: 'transient' },
      ...holdings,
    ],
  });
  const [sword, shield, ...others] = engine.records();
  return { engine, sword: sword!, shield: shield!, others };
}

/** Each update type with a record it may change: the transient shield for the transient one. */
const targetsOf = (sword: InventoryRecordView, shield: InventoryRecordView): [string, string][] => [
  ['update_existing_persistent_inventory', sword.inventory_id],
  ['update_existing_transient_inventory', shield.inventory_id],
  ['update_inventory', sword.inventory_id],
];

const update = (entry: Partial<EntryInput>, order: Omit<OrderInput, 'entries'> = {}): OrderInput => ({
  ...order,
  entries: [{ type: 'update_inventory', ...entry }],
});

const customAttributes = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, `value_${i}`]));

describe('update_*_inventory changes the named record', () => {
  it('quantity sets the count; one inventory_change detail from the record before to the record after', () => {
    const { engine, sword, shield } = engineWithRecords();
    const entry = expectSuccess(
      engine,
      update({
        type: 'update_existing_persistent_inventory',
        inventory_id: sword.inventory_id,
        quantity: 42,
      }),
    );
    expect(entry.details).toEqual([
      {
        type: 'inventory_change',
        loot_id: null,
        inv_change: {
          before_item_id: SWORD,
          after_item_id: SWORD,
          before: sword,
          after: { ...sword, count: 42 },
        },
      },
    ]);
    expect(engine.records()).toEqual([{ ...sword, count: 42 }, shield]);
  });

  it('item_id changes the item (before_item_id and after_item_id differ)', () => {
    const { engine, sword } = engineWithRecords();
    const entry = expectSuccess(engine, update({ inventory_id: sword.inventory_id, item_id: SHIELD }));
    expect(entry.details[0]!.inv_change).toEqual({
      before_item_id: SWORD,
      after_item_id: SHIELD,
      before: sword,
      after: { ...sword, item_id: SHIELD },
    });
    expect(engine.balance(SWORD)).toBe(0);
    expect(engine.balance(SHIELD)).toBe(7);
  });

  it('expires changes the expiry', () => {
    const { engine, sword } = engineWithRecords();
    const expires = inSeconds(7200);
    expectSuccess(engine, update({ inventory_id: sword.inventory_id, expires }));
    expect(engine.records()[0]).toEqual({ ...sword, expires });
  });

  it('custom_data replaces the whole map; a field left out is left as it is', () => {
    const { engine, sword } = engineWithRecords();
    expectSuccess(engine, update({ inventory_id: sword.inventory_id, custom_data: { size: 'L' } }));
    expect(engine.records()[0]).toEqual({ ...sword, custom_data: { size: 'L' } });
  });

  it('quantity 0 removes the record (detail after null)', () => {
    const { engine, sword, shield } = engineWithRecords();
    const entry = expectSuccess(engine, update({ inventory_id: sword.inventory_id, quantity: 0 }));
    expect(entry.details[0]!.inv_change).toEqual({
      before_item_id: SWORD,
      after_item_id: null,
      before: sword,
      after: null,
    });
    expect(engine.records()).toEqual([shield]);
  });

  it('legacy_inventory_id names the record; inventory_id wins when both are given', () => {
    const { engine, sword, shield } = engineWithRecords();
    expectSuccess(
      engine,
      update({ legacy_inventory_id: sword.legacy_inventory_id, quantity: 9, custom_data: { via: 'legacy' } }),
    );
    expect(engine.records()[0]).toEqual({ ...sword, count: 9, custom_data: { via: 'legacy' } });

    expectSuccess(
      engine,
      update({
        inventory_id: shield.inventory_id,
        legacy_inventory_id: sword.legacy_inventory_id,
        quantity: 1,
      }),
    );
    expect(engine.records().map((record) => record.count)).toEqual([9, 1]);
  });

  it('the typed variants update a record of their type; update_inventory takes either type', () => {
    const { engine, sword, shield } = engineWithRecords();
    expectSuccess(
      engine,
      update({ type: 'update_existing_transient_inventory', inventory_id: shield.inventory_id, quantity: 7 }),
    );
    expectSuccess(engine, update({ inventory_id: shield.inventory_id, quantity: 8 }));
    expectSuccess(engine, update({ inventory_id: sword.inventory_id, quantity: 6 }));
    expect(engine.records()).toEqual([
      { ...sword, count: 6 },
      { ...shield, count: 8 },
    ]);
  });

  it('an expired record can still be changed, e.g. given a new expiry', () => {
    const { engine, others } = engineWithRecords([{ item: SWORD, count: 1, expires: inSeconds(-60) }]);
    const expires = inSeconds(600);
    expectSuccess(engine, update({ inventory_id: others[0]!.inventory_id, expires }));
    expect(engine.records()[2]).toEqual({ ...others[0], expires });
  });

  it('a CLIENT may change custom_data, and may resend the record’s own count, item and expiry', () => {
    const { engine, sword } = engineWithRecords();
    expectSuccess(
      engine,
      update(
        { inventory_id: sword.inventory_id, custom_data: { colour: 'gold' }, quantity: 5, item_id: SWORD },
        { source: 'CLIENT' },
      ),
    );
    expect(engine.records()[0]).toEqual({ ...sword, custom_data: { colour: 'gold' } });
  });

  it('a unique item may be taken on by a record of count 1 when the player holds none', () => {
    const { engine, others } = engineWithRecords([{ item: SWORD, count: 1 }]);
    expectSuccess(engine, update({ inventory_id: others[0]!.inventory_id, item_id: CROWN }));
    expect(engine.balance(CROWN)).toBe(1);
  });
});

describe('update_*_inventory refusals change nothing', () => {
  it('inventory_not_found for an inventory_id or legacy_inventory_id the player does not have', () => {
    const { engine, sword } = engineWithRecords();
    for (const type of UPDATE_TYPES) {
      expectRefused(engine, update({ type, inventory_id: randomUUID(), quantity: 1 }), 'inventory_not_found');
      expectRefused(
        engine,
        update({ type, legacy_inventory_id: sword.legacy_inventory_id! + 1000, quantity: 1 }),
        'inventory_not_found',
      );
    }
  });

  it('inventory_not_found for a record of the other type with the typed variants', () => {
    const { engine, sword, shield } = engineWithRecords();
    expectRefused(
      engine,
      update({ type: 'update_existing_transient_inventory', inventory_id: sword.inventory_id, quantity: 1 }),
      'inventory_not_found',
    );
    expectRefused(
      engine,
      update({
        type: 'update_existing_persistent_inventory',
        inventory_id: shield.inventory_id,
        quantity: 1,
      }),
      'inventory_not_found',
    );
    expectRefused(
      engine,
      update({
        type: 'update_existing_persistent_inventory',
        legacy_inventory_id: shield.legacy_inventory_id,
        quantity: 1,
      }),
      'inventory_not_found',
    );
  });

  it('the typed variants answer inventory_not_found for an always-owned record (not their type)', () => {
    const { engine } = engineWithRecords();
    for (const type of ['update_existing_persistent_inventory', 'update_existing_transient_inventory']) {
      expectRefused(
        engine,
        update({ type, inventory_id: engine.alwaysOwnedId(BADGE), quantity: 3 }),
        'inventory_not_found',
      );
    }
  });

  it('always_owned_inventory_cannot_be_modified for update_inventory on an always-owned record, from a CLIENT too', () => {
    const { engine } = engineWithRecords();
    const badge = engine.alwaysOwnedId(BADGE);
    const attempts: Partial<EntryInput>[] = [
      { quantity: 5 },
      { quantity: 0 },
      { custom_data: { x: 'y' } },
      { item_id: SWORD },
      { expires: inSeconds(600) },
    ];
    for (const change of attempts) {
      expectRefused(
        engine,
        update({ inventory_id: badge, ...change }),
        'always_owned_inventory_cannot_be_modified',
      );
    }
    // The always-owned rule is checked before the permission rule.
    expectRefused(
      engine,
      update({ inventory_id: badge, quantity: 5 }, { source: 'CLIENT' }),
      'always_owned_inventory_cannot_be_modified',
    );
  });

  it('an always-owned item that is not in the catalog has no record: inventory_not_found', () => {
    const { engine } = engineWithRecords();
    expectRefused(
      engine,
      update({ inventory_id: engine.alwaysOwnedId(SWORD), quantity: 1 }),
      'inventory_not_found',
    );
  });

  it('permission_denied for a CLIENT changing quantity, item_id or expires', () => {
    const { engine, sword, shield } = engineWithRecords();
    const changes: Partial<EntryInput>[] = [
      { quantity: 99 },
      { quantity: 0 },
      { item_id: GEMS },
      { expires: inSeconds(600) },
      { quantity: 99, custom_data: { colour: 'blue' } },
    ];
    for (const [type, inventoryId] of targetsOf(sword, shield)) {
      for (const change of changes) {
        expectRefused(
          engine,
          update({ type, inventory_id: inventoryId, ...change }, { source: 'CLIENT' }),
          'permission_denied',
        );
      }
    }
  });

  it('item_not_found / item_not_active when item_id names a missing or inactive item', () => {
    const { engine, sword, shield } = engineWithRecords();
    for (const [type, inventoryId] of targetsOf(sword, shield)) {
      expectRefused(
        engine,
        update({ type, inventory_id: inventoryId, item_id: MISSING_ITEM }),
        'item_not_found',
      );
      expectRefused(
        engine,
        update({ type, inventory_id: inventoryId, item_id: OLD_ITEM }),
        'item_not_active',
      );
    }
  });

  it('a record of an item since made inactive may still be changed, as long as item_id stays', () => {
    const { engine, others } = engineWithRecords([{ item: OLD_ITEM, count: 3 }]);
    expectSuccess(engine, update({ inventory_id: others[0]!.inventory_id, item_id: OLD_ITEM, quantity: 1 }));
    expect(engine.balance(OLD_ITEM)).toBe(1);
  });

  it('available_until_is_in_past when expires is in the past or now', () => {
    const { engine, sword, shield } = engineWithRecords();
    expectRefused(
      engine,
      update({
        type: 'update_existing_persistent_inventory',
        inventory_id: sword.inventory_id,
        expires: inSeconds(-60),
      }),
      'available_until_is_in_past',
    );
    expectRefused(
      engine,
      update({
        type: 'update_existing_transient_inventory',
        inventory_id: shield.inventory_id,
        expires: inSeconds(0),
      }),
      'available_until_is_in_past',
    );
    expectRefused(
      engine,
      update({ inventory_id: sword.inventory_id, quantity: 2, expires: inSeconds(-60) }),
      'available_until_is_in_past',
    );
  });

  it('too_many_inv_custom_attributes with 21 custom_data keys, from a CLIENT too', () => {
    const { engine, sword, shield } = engineWithRecords();
    for (const [type, inventoryId] of targetsOf(sword, shield)) {
      expectRefused(
        engine,
        update({ type, inventory_id: inventoryId, custom_data: customAttributes(21) }),
        'too_many_inv_custom_attributes',
      );
    }
    expectRefused(
      engine,
      update({ inventory_id: sword.inventory_id, custom_data: customAttributes(21) }, { source: 'CLIENT' }),
      'too_many_inv_custom_attributes',
    );
  });

  it('failed_to_modify_inventory when quantity would set a count above 2,147,483,647', () => {
    const { engine, sword } = engineWithRecords();
    expectRefused(
      engine,
      update({ inventory_id: sword.inventory_id, quantity: MAX_COUNT + 1 }),
      'failed_to_modify_inventory',
    );
    expectSuccess(engine, update({ inventory_id: sword.inventory_id, quantity: MAX_COUNT }));
  });

  it('failed_to_modify_inventory when the change would make a player hold a unique item twice or more than once', () => {
    const { engine, others } = engineWithRecords([
      { item: CROWN, count: 1 },
      { item: SWORD, count: 1 },
    ]);
    const [crown, oneSword] = others;
    // another record becoming the crown already held
    expectRefused(
      engine,
      update({ inventory_id: oneSword!.inventory_id, item_id: CROWN }),
      'failed_to_modify_inventory',
    );
    // the crown's own count above 1
    expectRefused(
      engine,
      update({ inventory_id: crown!.inventory_id, quantity: 5 }),
      'failed_to_modify_inventory',
    );

    // a record of five becoming a crown, even with no crown held
    const { engine: noCrown, sword } = engineWithRecords();
    expectRefused(
      noCrown,
      update({ inventory_id: sword.inventory_id, item_id: CROWN }),
      'failed_to_modify_inventory',
    );
  });

  it('failed_to_modify_inventory when the change would store a copy of an always-owned item', () => {
    const { engine, sword } = engineWithRecords();
    expectRefused(
      engine,
      update({ inventory_id: sword.inventory_id, item_id: BADGE, quantity: 1 }),
      'failed_to_modify_inventory',
    );
  });

  it('answers the first check that fails: the record, then who asks, then the item, then expires', () => {
    const { engine, sword } = engineWithRecords();
    const everythingWrong = {
      item_id: MISSING_ITEM,
      expires: inSeconds(-60),
      custom_data: customAttributes(21),
    };
    expectRefused(
      engine,
      update({ inventory_id: randomUUID(), ...everythingWrong }, { source: 'CLIENT' }),
      'inventory_not_found',
    );
    expectRefused(
      engine,
      update({ inventory_id: sword.inventory_id, ...everythingWrong }, { source: 'CLIENT' }),
      'permission_denied',
    );
    expectRefused(engine, update({ inventory_id: sword.inventory_id, ...everythingWrong }), 'item_not_found');
    expectRefused(
      engine,
      update({
        inventory_id: sword.inventory_id,
        expires: inSeconds(-60),
        custom_data: customAttributes(21),
      }),
      'available_until_is_in_past',
    );
  });
});
