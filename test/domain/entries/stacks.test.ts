import { describe, expect, it } from 'vitest';
import { collectionEtag } from '../../../src/domain/inventory.js';
import {
  BADGE,
  baseCatalog,
  CROWN,
  GEMS,
  OLD_ITEM,
  SWORD,
  SWORD_PACK,
} from '../../helpers/catalog-fixture.js';
import {
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  MAX_COUNT,
  type Engine,
  type EntryInput,
  type Holding,
  type OrderInput,
} from '../../helpers/engine.js';

/**
 * Collections and stacks, and the stack entries (add, subtract, set, delete, transfer): what
 * PlayFab's inventory calls become. A stack is (collection, item, stack id); its amount is what its
 * unexpired records hold.
 */

const MISSING_ITEM = 999_999;

const engineWith = (holdings: Holding[] = []) => engineFor({ ...baseCatalog, holdings });

const one = (entry: EntryInput, order: Omit<OrderInput, 'entries'> = {}): OrderInput => ({
  ...order,
  entries: [entry],
});

/** The amount of one stack: what its unexpired records hold. */
function stackAmount(engine: Engine, itemId: number, stack = 'default', collection = 'default'): number {
  return engine
    .records()
    .filter((r) => r.item_id === itemId && r.stack_id === stack && r.collection_id === collection)
    .filter((r) => r.expires === null || r.expires > inSeconds(0))
    .reduce((sum, r) => sum + r.count, 0);
}

const stackRecords = (engine: Engine, itemId: number, stack = 'default', collection = 'default') =>
  engine
    .records()
    .filter((r) => r.item_id === itemId && r.stack_id === stack && r.collection_id === collection);

describe('collections: an entry works in its collection only', () => {
  it('grants into the entry collection and stack; section 5 entries default to default/default', () => {
    const engine = engineWith();
    expectSuccess(engine, one({ type: 'create_new_persistent_inventory', item_id: GEMS, quantity: 5 }));
    expectSuccess(
      engine,
      one({ type: 'fill_loot', loot_id: 200, quantity: 1, collection_id: 'vault', stack_id: 'gift' }),
    );
    expect(engine.records().map((r) => [r.collection_id, r.stack_id, r.count])).toEqual([
      ['default', 'default', 5],
      ['vault', 'gift', 100],
    ]);
  });

  it('spends only from its collection: gems held elsewhere do not pay', () => {
    const engine = engineWith([{ item: GEMS, count: 500, collection: 'vault' }]);
    const buy = {
      type: 'purchase_loot',
      loot_id: SWORD_PACK,
      quantity: 1,
      purchase_price: { price_item_id: GEMS, price: 50 },
    };
    expectRefused(engine, one(buy), 'cannot_afford_price');
    expectSuccess(engine, one({ ...buy, collection_id: 'vault' }));
    expect(stackAmount(engine, GEMS, 'default', 'vault')).toBe(450);
    expect(stackAmount(engine, SWORD, 'default', 'vault')).toBe(1);
  });

  it('finds records by id in its collection only: another collection record is inventory_not_found', () => {
    const engine = engineWith([{ item: SWORD, count: 1, collection: 'vault' }]);
    const id = engine.records()[0]!.inventory_id;
    expectRefused(
      engine,
      one({ type: 'update_inventory', inventory_id: id, quantity: 2 }),
      'inventory_not_found',
    );
    expectSuccess(
      engine,
      one({ type: 'update_inventory', inventory_id: id, quantity: 2, collection_id: 'vault' }),
    );
    expect(engine.records()[0]!.count).toBe(2);
  });

  it('always-owned items are in the default collection only', () => {
    const engine = engineWith();
    const id = engine.alwaysOwnedId(BADGE);
    expectRefused(
      engine,
      one({ type: 'update_inventory', inventory_id: id, custom_data: {} }),
      'always_owned_inventory_cannot_be_modified',
    );
    expectRefused(
      engine,
      one({ type: 'update_inventory', inventory_id: id, custom_data: {}, collection_id: 'vault' }),
      'inventory_not_found',
    );
  });

  it('a player holds records in at most 1,000 collections: the 1,001st is failed_to_modify_inventory', () => {
    const holdings = Array.from({ length: 1000 }, (_, i) => ({ item: GEMS, count: 1, collection: `c${i}` }));
    const engine = engineWith(holdings);
    const add = (collection: string) =>
      one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, collection_id: collection });
    expectRefused(engine, add('one-too-many'), 'failed_to_modify_inventory');
    expectSuccess(engine, add('c999'));
    expect(stackAmount(engine, GEMS, 'default', 'c999')).toBe(2);
  });
});

describe('add_inventory_stack', () => {
  it('adds to the stack, creating it with display_properties; they apply only when it is created', () => {
    const engine = engineWith();
    const add = (quantity: number, display_properties: Record<string, string | number>) =>
      one({ type: 'add_inventory_stack', item_id: SWORD, quantity, stack_id: 'blue', display_properties });
    expectSuccess(engine, add(2, { colour: 'blue', level: 1 }));
    expectSuccess(engine, add(3, { colour: 'red' }));
    expect(stackRecords(engine, SWORD, 'blue')).toMatchObject([
      { count: 5, type: 'persistent', bucket: 'free', display_properties: { colour: 'blue', level: 1 } },
    ]);
  });

  it('adds 0 as an empty stack, kept at 0', () => {
    const engine = engineWith();
    expectSuccess(engine, one({ type: 'add_inventory_stack', item_id: SWORD, quantity: 0 }));
    expect(stackRecords(engine, SWORD)).toMatchObject([{ count: 0 }]);
  });

  it('a new record in a stack that is there (another bucket) takes the stack display properties', () => {
    const engine = engineWith([
      { item: GEMS, count: 5, bucket: 'steam', display_properties: { shiny: true } },
    ]);
    expectSuccess(
      engine,
      one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, display_properties: { x: 1 } }),
    );
    expect(stackRecords(engine, GEMS).map((r) => [r.bucket, r.count, r.display_properties])).toEqual([
      ['steam', 5, { shiny: true }],
      ['free', 1, { shiny: true }],
    ]);
  });

  it('refuses a client, an unknown or inactive item, and a count past the maximum', () => {
    const engine = engineWith([{ item: GEMS, count: MAX_COUNT }]);
    const add = (entry: Partial<EntryInput>) =>
      one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, ...entry });
    expectRefused(engine, { ...add({}), source: 'CLIENT' }, 'permission_denied');
    expectRefused(engine, add({ item_id: MISSING_ITEM }), 'item_not_found');
    expectRefused(engine, add({ item_id: OLD_ITEM }), 'item_not_active');
    expectRefused(engine, add({}), 'failed_to_modify_inventory');
  });
});

describe('subtract_inventory_stack', () => {
  it('takes from the stack only, soonest-expiring first; an emptied stack is removed unless kept', () => {
    const engine = engineWith([
      { item: GEMS, count: 10 },
      { item: GEMS, count: 4, expires: inSeconds(60) },
      { item: GEMS, count: 50, stack: 'other' },
    ]);
    const subtract = (quantity: number, keep?: boolean) =>
      one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity, keep_empty_stacks: keep });
    expectSuccess(engine, subtract(6));
    expect(stackRecords(engine, GEMS).map((r) => r.count)).toEqual([8]);
    expectSuccess(engine, subtract(8, true));
    expect(stackRecords(engine, GEMS).map((r) => r.count)).toEqual([0]);
    expectSuccess(engine, subtract(0));
    expect(stackAmount(engine, GEMS, 'other')).toBe(50);
  });

  it('without keep_empty_stacks an emptied stack is gone', () => {
    const engine = engineWith([{ item: GEMS, count: 3 }]);
    expectSuccess(engine, one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity: 3 }));
    expect(stackRecords(engine, GEMS)).toEqual([]);
  });

  it('more than the stack holds is cannot_afford_price and changes nothing, whatever other stacks hold', () => {
    const engine = engineWith([
      { item: GEMS, count: 5 },
      { item: GEMS, count: 100, stack: 'other' },
      { item: GEMS, count: 100, expires: inSeconds(-1) },
    ]);
    expectRefused(
      engine,
      one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity: 6 }),
      'cannot_afford_price',
    );
    expectRefused(
      engine,
      one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity: 1, stack_id: 'none' }),
      'cannot_afford_price',
    );
  });

  it('refuses a client and an unknown item', () => {
    const engine = engineWith([{ item: GEMS, count: 5 }]);
    expectRefused(
      engine,
      one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity: 1 }, { source: 'CLIENT' }),
      'permission_denied',
    );
    expectRefused(
      engine,
      one({ type: 'subtract_inventory_stack', item_id: MISSING_ITEM, quantity: 0 }),
      'item_not_found',
    );
  });
});

describe('set_inventory_stack', () => {
  it('sets the amount up or down, keeps the stack at 0, and sets display_properties when given', () => {
    const engine = engineWith([{ item: GEMS, count: 10, display_properties: { a: 1 } }]);
    const set = (quantity: number, display_properties?: Record<string, string | number>) =>
      one({ type: 'set_inventory_stack', item_id: GEMS, quantity, display_properties });
    expectSuccess(engine, set(25));
    expect(stackRecords(engine, GEMS).map((r) => [r.count, r.display_properties])).toEqual([[25, { a: 1 }]]);
    expectSuccess(engine, set(0, { b: 2 }));
    expect(stackRecords(engine, GEMS).map((r) => [r.count, r.display_properties])).toEqual([[0, { b: 2 }]]);
  });

  it('creates a missing stack, at 0 too', () => {
    const engine = engineWith();
    expectSuccess(engine, one({ type: 'set_inventory_stack', item_id: SWORD, quantity: 0, stack_id: 's1' }));
    expectSuccess(engine, one({ type: 'set_inventory_stack', item_id: SWORD, quantity: 4, stack_id: 's2' }));
    expect(engine.records().map((r) => [r.stack_id, r.count])).toEqual([
      ['s1', 0],
      ['s2', 4],
    ]);
  });

  it('refuses a client, an unknown item, an inactive item it would add, and a count past the maximum', () => {
    const engine = engineWith([{ item: OLD_ITEM, count: 5 }]);
    const set = (entry: Partial<EntryInput>) =>
      one({ type: 'set_inventory_stack', item_id: GEMS, quantity: 1, ...entry });
    expectRefused(engine, { ...set({}), source: 'CLIENT' }, 'permission_denied');
    expectRefused(engine, set({ item_id: MISSING_ITEM }), 'item_not_found');
    expectRefused(engine, set({ item_id: OLD_ITEM, quantity: 6 }), 'item_not_active');
    expectSuccess(engine, set({ item_id: OLD_ITEM, quantity: 2 }));
    expectRefused(engine, set({ quantity: MAX_COUNT + 1 }), 'failed_to_modify_inventory');
  });
});

describe('delete_inventory_stack', () => {
  it('removes every record of the stack, and nothing else', () => {
    const engine = engineWith([
      { item: GEMS, count: 3 },
      { item: GEMS, count: 4, bucket: 'steam' },
      { item: GEMS, count: 5, stack: 'other' },
    ]);
    const entry = expectSuccess(engine, one({ type: 'delete_inventory_stack', item_id: GEMS }));
    expect(entry.details.map((d) => d.inv_change?.after)).toEqual([null, null]);
    expect(engine.records().map((r) => [r.stack_id, r.count])).toEqual([['other', 5]]);
  });

  it('a stack that is not there is inventory_not_found; a client is refused', () => {
    const engine = engineWith([{ item: GEMS, count: 3 }]);
    expectRefused(
      engine,
      one({ type: 'delete_inventory_stack', item_id: GEMS, stack_id: 'none' }),
      'inventory_not_found',
    );
    expectRefused(
      engine,
      one({ type: 'delete_inventory_stack', item_id: GEMS }, { source: 'CLIENT' }),
      'permission_denied',
    );
  });
});

describe('transfer_inventory_stack', () => {
  it('moves between collections and stacks, each part keeping its bucket and expiry', () => {
    const later = inSeconds(3600);
    const engine = engineWith([
      { item: GEMS, count: 5, bucket: 'steam' },
      { item: GEMS, count: 3, expires: later },
    ]);
    const entry = expectSuccess(
      engine,
      one({
        type: 'transfer_inventory_stack',
        item_id: GEMS,
        quantity: 6,
        to_collection_id: 'vault',
        to_stack_id: 'saved',
        display_properties: { note: 'moved' },
        keep_empty_stacks: true,
      }),
    );
    expect(stackRecords(engine, GEMS).map((r) => r.count)).toEqual([2]);
    expect(
      stackRecords(engine, GEMS, 'saved', 'vault').map((r) => [
        r.bucket,
        r.count,
        r.expires,
        r.display_properties,
      ]),
    ).toEqual([
      ['free', 3, later, { note: 'moved' }],
      ['steam', 3, null, { note: 'moved' }],
    ]);
    // one detail per record touched: two given, two made
    expect(entry.details).toHaveLength(4);
  });

  it('more than the giving stack holds is cannot_afford_price; past the maximum on the receiving end fails too', () => {
    const engine = engineWith([
      { item: GEMS, count: 5 },
      { item: GEMS, count: MAX_COUNT, stack: 'full' },
    ]);
    const transfer = (entry: Partial<EntryInput>) =>
      one({ type: 'transfer_inventory_stack', item_id: GEMS, quantity: 6, to_stack_id: 'b', ...entry });
    expectRefused(engine, transfer({}), 'cannot_afford_price');
    expectRefused(engine, transfer({ quantity: 1, to_stack_id: 'full' }), 'failed_to_modify_inventory');
    expectRefused(engine, transfer({ item_id: MISSING_ITEM }), 'item_not_found');
    expectRefused(engine, { ...transfer({ quantity: 1 }), source: 'CLIENT' }, 'permission_denied');
  });

  it('a unique item never vanishes in a transfer: to a collection already holding one, it fails', () => {
    const engine = engineWith([
      { item: CROWN, count: 1 },
      { item: CROWN, count: 1, collection: 'vault' },
    ]);
    expectRefused(
      engine,
      one({ type: 'transfer_inventory_stack', item_id: CROWN, quantity: 1, to_collection_id: 'vault' }),
      'failed_to_modify_inventory',
    );
    expectSuccess(
      engine,
      one({ type: 'transfer_inventory_stack', item_id: CROWN, quantity: 1, to_collection_id: 'bank' }),
    );
    expect(engine.records().map((r) => [r.collection_id, r.count])).toEqual([
      ['vault', 1],
      ['bank', 1],
    ]);
  });

  it('a transfer to its own stack is refused at validation', () => {
    const engine = engineWith([{ item: GEMS, count: 5 }]);
    expect(() =>
      engine.apply(
        one({ type: 'transfer_inventory_stack', item_id: GEMS, quantity: 1, to_collection_id: 'default' }),
      ),
    ).toThrow(/another player, collection or stack/);
  });
});

describe('delete_inventory_collection', () => {
  it('removes every record of the entry collection and nothing else; an empty one is nothing to do', () => {
    const engine = engineWith([
      { item: GEMS, count: 3, collection: 'vault' },
      { item: SWORD, count: 1, collection: 'vault', stack: 'x' },
      { item: GEMS, count: 5 },
    ]);
    const entry = expectSuccess(engine, one({ type: 'delete_inventory_collection', collection_id: 'vault' }));
    expect(entry.details).toHaveLength(2);
    expect(engine.records().map((r) => [r.collection_id, r.count])).toEqual([['default', 5]]);
    expectSuccess(engine, one({ type: 'delete_inventory_collection', collection_id: 'vault' }));
    expectRefused(
      engine,
      one({ type: 'delete_inventory_collection', collection_id: 'vault' }, { source: 'CLIENT' }),
      'permission_denied',
    );
  });
});

describe('purchase_loot pays from a named stack and may keep it at 0', () => {
  it('pays from price_stack_id only; keep_empty_stacks leaves the paid-from stack at 0', () => {
    const engine = engineWith([
      { item: GEMS, count: 50, stack: 'wallet' },
      { item: GEMS, count: 500 },
    ]);
    const buy = (stack: string) =>
      one({
        type: 'purchase_loot',
        loot_id: SWORD_PACK,
        quantity: 1,
        purchase_price: { price_item_id: GEMS, price: 50, price_stack_id: stack },
        keep_empty_stacks: true,
      });
    expectSuccess(engine, buy('wallet'));
    expect(stackRecords(engine, GEMS, 'wallet').map((r) => r.count)).toEqual([0]);
    expect(stackAmount(engine, GEMS)).toBe(500);
    expectRefused(engine, buy('wallet'), 'cannot_afford_price');
  });

  it('spending from any stack leaves a stack kept at 0 as it is', () => {
    const engine = engineWith([
      { item: GEMS, count: 0, stack: 'kept', display_properties: { keep: true } },
      { item: GEMS, count: 100 },
    ]);
    expectSuccess(engine, {
      entries: [
        {
          type: 'purchase_loot',
          loot_id: SWORD_PACK,
          quantity: 2,
          purchase_price: { price_item_id: GEMS, price: 50 },
        },
      ],
    });
    expect(stackRecords(engine, GEMS, 'kept')).toMatchObject([
      { count: 0, display_properties: { keep: true } },
    ]);
    expect(stackRecords(engine, GEMS)).toEqual([]);
  });
});

describe('collection_etag', () => {
  it('an entry runs only while its collection is as the caller saw it; every change moves the ETag', () => {
    const engine = engineWith([
      { item: GEMS, count: 5 },
      { item: GEMS, count: 5, collection: 'vault' },
    ]);
    const etagOf = (collection: string) =>
      collectionEtag(engine.records().filter((r) => r.collection_id === collection));
    const seen = etagOf('default');
    const vault = etagOf('vault');
    expect(seen).not.toBe(vault);
    const add = (collection_etag: string, collection_id = 'default') =>
      one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, collection_etag, collection_id });
    expectSuccess(engine, add(seen));
    expect(etagOf('default')).not.toBe(seen);
    expect(etagOf('vault')).toBe(vault);
    expectRefused(engine, add(seen), 'collection_etag_does_not_match');
    expectSuccess(engine, add(vault, 'vault'));
  });

  it('a final order of a compatible API carries the ETag of each collection it named, as it left them', () => {
    const engine = engineWith([{ item: GEMS, count: 5 }]);
    const native = engine.apply(one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 0 }));
    expect(native.collectionEtags).toBeNull();
    const etagOf = (collection: string) =>
      collectionEtag(engine.records().filter((r) => r.collection_id === collection));
    const moved = engine.apply(
      one({ type: 'transfer_inventory_stack', item_id: GEMS, quantity: 2, to_collection_id: 'vault' }),
      'playfab:TransferInventoryItems',
    );
    expect(moved.collectionEtags).toEqual({ default: etagOf('default'), vault: etagOf('vault') });
    const failed = engine.apply(
      one({ type: 'subtract_inventory_stack', item_id: GEMS, quantity: 99 }),
      'playfab:SubtractInventoryItems',
    );
    expect(failed.collectionEtags).toEqual({ default: etagOf('default') });
  });
});
