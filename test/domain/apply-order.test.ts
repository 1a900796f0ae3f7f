import { describe, expect, it, vi } from 'vitest';
import { baseCatalog, GEMS, GEM_GRANT, GOLD, SHIELD, SWORD, SWORD_PACK } from '../helpers/catalog-fixture.js';
import { inventoryChanges } from '../helpers/details.js';
import { engineFor, MAX_COUNT, type EntryInput, type Holding } from '../helpers/engine.js';

/**
 * applyOrder: the entries of an order in order. Without is_transaction each entry stands alone;
 * with it the first failure undoes the whole order.
 */

const GOLD_PILE = 300;
const SHIELD_AND_GOLD = 301; // grants a shield, then fails on its gold when gold is held near the maximum
const PROMO_GEMS = 302;
const BROKEN = 303; // a loot whose lookup the tests make throw

const catalog = {
  ...baseCatalog,
  loot: [
    ...baseCatalog.loot,
    { id: GOLD_PILE, name: 'Gold pile', contents: [{ item_id: GOLD, quantity: 1000 }] },
    {
      id: SHIELD_AND_GOLD,
      name: 'Shield and gold',
      contents: [{ item_id: SHIELD, quantity: 1 }],
      sub_loot: [{ loot_id: GOLD_PILE, quantity: 1 }],
    },
    { id: PROMO_GEMS, name: 'Promo gems', contents: [{ item_id: GEMS, quantity: 5 }] },
    { id: BROKEN, name: 'Broken loot', contents: [{ item_id: SWORD, quantity: 1 }] },
  ],
  promotions: [
    { code: 'GEMS-A', loot_id: PROMO_GEMS },
    { code: 'GEMS-B', loot_id: PROMO_GEMS },
  ],
};

const engineWith = (holdings: Holding[] = []) => engineFor({ ...catalog, holdings });

const grantGems: EntryInput = { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 };
const buySword = (price = 50): EntryInput => ({
  type: 'purchase_loot',
  loot_id: SWORD_PACK,
  quantity: 1,
  purchase_price: { price_item_id: GEMS, price },
});
const shieldAndTooMuchGold: EntryInput = { type: 'fill_loot', loot_id: SHIELD_AND_GOLD, quantity: 1 };
const claim = (code: string): EntryInput => ({ type: 'promotion_code', external_tran_id: code });

const resultsOf = (applied: { entries: { result: string }[] }) =>
  applied.entries.map((entry) => entry.result);

describe('an order without is_transaction', () => {
  it('applies each entry alone: a failed entry is undone and the others stand (partially_succeeded)', () => {
    const engine = engineWith([{ item: GOLD, count: MAX_COUNT - 10 }]);
    const applied = engine.apply({
      entries: [grantGems, buySword(), buySword(49), shieldAndTooMuchGold, grantGems],
    });
    expect(applied.status).toBe('partially_succeeded');
    expect(resultsOf(applied)).toEqual([
      'success',
      'success',
      'price_does_not_match',
      'failed_to_fill_any_sub_loot',
      'success',
    ]);
    expect(applied.entries[2]!.details).toEqual([]);
    expect(applied.entries[3]!.details).toEqual([]);
    expect(engine.balance(GEMS)).toBe(150);
    expect(engine.balance(SWORD)).toBe(1);
    // the shield the failed entry had granted before its gold failed is taken back
    expect(engine.balance(SHIELD)).toBe(0);
    expect(engine.balance(GOLD)).toBe(MAX_COUNT - 10);
  });

  it('is succeeded when every entry succeeds, and failed when none does', () => {
    expect(engineWith().apply({ entries: [grantGems, buySword()] }).status).toBe('succeeded');
    const none = engineWith().apply({ entries: [buySword(), buySword(49)] });
    expect(none.status).toBe('failed');
    expect(resultsOf(none)).toEqual(['cannot_afford_price', 'price_does_not_match']);
  });

  it('each entry sees what the entries before it did, and each order what the orders before it did', () => {
    const engine = engineWith();
    const applied = engine.apply({ entries: [grantGems, buySword(), buySword()] });
    expect(resultsOf(applied)).toEqual(['success', 'success', 'success']);
    expect(resultsOf(engine.apply({ entries: [buySword()] }))).toEqual(['cannot_afford_price']);
    expect(engine.balance(SWORD)).toBe(2);
  });
});

describe('an order with is_transaction', () => {
  it('fails at entry 3 of 4: rollback, rollback, its code, not_started; the inventory is exactly as before', () => {
    const engine = engineWith([{ item: GEMS, count: 100 }]);
    const before = engine.records();
    const applied = engine.apply({
      is_transaction: true,
      entries: [grantGems, buySword(), buySword(49), grantGems],
    });
    expect(applied.status).toBe('failed');
    expect(resultsOf(applied)).toEqual(['rollback', 'rollback', 'price_does_not_match', 'not_started']);
    expect(engine.records()).toEqual(before);
  });

  it('rolled-back entries keep the details of what they did; the failed and not started ones have none', () => {
    const engine = engineWith();
    const applied = engine.apply({ is_transaction: true, entries: [grantGems, buySword(49), grantGems] });
    expect(inventoryChanges(applied.entries[0]!.details)).toEqual([
      { loot_id: GEM_GRANT, item: GEMS, before: null, after: 100 },
    ]);
    expect(applied.entries[1]!.details).toEqual([]);
    expect(applied.entries[2]!.details).toEqual([]);
  });

  it('a rolled-back entry that claimed promotion codes says each was given back, after its own details', () => {
    const engine = engineWith();
    const applied = engine.apply({
      is_transaction: true,
      entries: [claim('GEMS-A'), grantGems, claim('GEMS-B'), buySword(49)],
    });
    expect(resultsOf(applied)).toEqual(['rollback', 'rollback', 'rollback', 'price_does_not_match']);
    const [first, second, third] = applied.entries;
    expect(first!.details.map((detail) => detail.type)).toEqual([
      'claim_promo_code',
      'inventory_change',
      'return_promo_code',
    ]);
    expect(first!.details.at(-1)).toEqual({ type: 'return_promo_code', loot_id: PROMO_GEMS, code: 'GEMS-A' });
    expect(second!.details.map((detail) => detail.type)).toEqual(['inventory_change']);
    expect(third!.details.at(-1)).toEqual({ type: 'return_promo_code', loot_id: PROMO_GEMS, code: 'GEMS-B' });
    expect(engine.written()).toEqual({
      promotionUses: {},
      claims: {},
      failedCodes: [],
      transientFills: [],
      fulfilled: [],
    });
  });

  it('is succeeded, like any order, when every entry succeeds', () => {
    const engine = engineWith();
    const applied = engine.apply({ is_transaction: true, entries: [grantGems, buySword()] });
    expect(applied.status).toBe('succeeded');
    expect(resultsOf(applied)).toEqual(['success', 'success']);
    expect(engine.balance(SWORD)).toBe(1);
  });

  it('a failure of the first entry leaves every other entry not_started', () => {
    const applied = engineWith().apply({ is_transaction: true, entries: [buySword(), grantGems, grantGems] });
    expect(resultsOf(applied)).toEqual(['cannot_afford_price', 'not_started', 'not_started']);
  });
});

describe('entry types and ids', () => {
  it('invalid_entry_type for a type the engine does not know, changing nothing; the other entries go on', () => {
    const engine = engineWith();
    const applied = engine.apply({
      entries: [
        { type: 'transmute_loot', loot_id: GEM_GRANT, quantity: 1 },
        { type: 'FILL_LOOT' },
        grantGems,
      ],
    });
    expect(resultsOf(applied)).toEqual(['invalid_entry_type', 'invalid_entry_type', 'success']);
    expect(applied.entries[0]!.details).toEqual([]);
    expect(applied.status).toBe('partially_succeeded');
    expect(engine.balance(GEMS)).toBe(100);
  });

  it('invalid_entry_type fails a transaction like any other result', () => {
    const applied = engineWith().apply({ is_transaction: true, entries: [grantGems, { type: 'gift_loot' }] });
    expect(resultsOf(applied)).toEqual(['rollback', 'invalid_entry_type']);
  });

  it('keeps the entry_id a caller chose, makes one for each entry without, and echoes what was sent', () => {
    const applied = engineWith().apply({ entries: [{ ...grantGems, entry_id: 'first' }, buySword()] });
    expect(applied.entries[0]).toMatchObject({ ...grantGems, entry_id: 'first', result: 'success' });
    expect(applied.entries[1]!.entry_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(applied.entries[1]).toMatchObject(buySword());
  });
});

describe('an entry that throws', () => {
  /** Makes every lookup of loot BROKEN throw, as an unexpected fault inside a handler would. */
  function breakLoot(engine: ReturnType<typeof engineWith>): Error {
    const fault = new Error('catalog unreadable');
    const loot = engine.catalog.loot;
    const lookUp = loot.get.bind(loot);
    vi.spyOn(loot, 'get').mockImplementation((lootId: number) => {
      if (lootId === BROKEN) throw fault;
      return lookUp(lootId);
    });
    return fault;
  }
  const brokenEntry: EntryInput = { type: 'fill_loot', loot_id: BROKEN, quantity: 1, entry_id: 'broken' };

  it('answers internal_error and reports the error with its entry; the other entries go on', () => {
    const engine = engineWith();
    const fault = breakLoot(engine);
    const applied = engine.apply({ entries: [grantGems, brokenEntry, { ...buySword(), quantity: 2 }] });
    expect(resultsOf(applied)).toEqual(['success', 'internal_error', 'success']);
    expect(applied.entries[1]!.details).toEqual([]);
    expect(applied.status).toBe('partially_succeeded');
    expect(applied.unexpectedErrors).toEqual([{ entryId: 'broken', error: fault }]);
    expect(engine.balance(SWORD)).toBe(2);
  });

  it('fails a transaction: the entries before it are rolled back', () => {
    const engine = engineWith();
    breakLoot(engine);
    const applied = engine.apply({ is_transaction: true, entries: [grantGems, brokenEntry, grantGems] });
    expect(resultsOf(applied)).toEqual(['rollback', 'internal_error', 'not_started']);
    expect(applied.unexpectedErrors).toHaveLength(1);
    expect(engine.records()).toEqual([]);
  });
});
