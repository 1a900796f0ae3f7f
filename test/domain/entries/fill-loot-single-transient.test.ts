import { describe, expect, it } from 'vitest';
import { inventoryChanges } from '../../helpers/details.js';
import { engineOver, expectRefused, expectSuccess, type OrderInput } from '../../helpers/engine.js';
import {
  bundleAndClaimsCatalog,
  CURSE,
  ELIXIR,
  OTHER_TRANSIENT_LOOT,
  POTION,
  TRANSIENT_BLOCKED,
  TRANSIENT_LOOT,
  UNKNOWN_LOOT,
} from '../../fixtures/bundle-and-claims-catalog.js';

/** fill_loot_single_transient: fills a loot as transient inventory, once per player, loot and match_id. */

const engineWith = engineOver(bundleAndClaimsCatalog);

const fillTransient = (lootId: number, matchId: string | null, quantity = 1): OrderInput => ({
  match_id: matchId,
  entries: [{ type: 'fill_loot_single_transient', loot_id: lootId, quantity }],
});

describe('fill_loot_single_transient fills', () => {
  it('the contents × quantity as transient records, even contents of type persistent', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, fillTransient(TRANSIENT_LOOT, 'match-1', 2));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: TRANSIENT_LOOT, item: POTION, before: null, after: 4 },
    ]);
    expectSuccess(engine, fillTransient(OTHER_TRANSIENT_LOOT, 'match-1'));
    expect(engine.records()).toEqual([
      expect.objectContaining({ item_id: POTION, type: 'transient', count: 4, bucket: 'free' }),
      expect.objectContaining({ item_id: ELIXIR, type: 'transient', count: 1, bucket: 'free' }),
    ]);
    expect(engine.written().transientFills).toEqual([
      { lootId: TRANSIENT_LOOT, matchId: 'match-1' },
      { lootId: OTHER_TRANSIENT_LOOT, matchId: 'match-1' },
    ]);
  });

  it('once per match: another match_id, or another loot in the same match, fills again', () => {
    const engine = engineWith({
      claims: { transientFills: [{ lootId: TRANSIENT_LOOT, matchId: 'match-a' }] },
    });
    expectSuccess(engine, fillTransient(TRANSIENT_LOOT, 'match-b'));
    expectSuccess(engine, fillTransient(OTHER_TRANSIENT_LOOT, 'match-a'));
    expect(engine.balance(POTION)).toBe(2);
    expect(engine.balance(ELIXIR)).toBe(1);
  });
});

describe('fill_loot_single_transient refusals change nothing', () => {
  it('transient_single_loot_already_applied for a loot and match_id filled in an earlier batch', () => {
    const engine = engineWith({
      claims: { transientFills: [{ lootId: TRANSIENT_LOOT, matchId: 'match-a' }] },
    });
    expectRefused(engine, fillTransient(TRANSIENT_LOOT, 'match-a'), 'transient_single_loot_already_applied');
    expect(engine.written().transientFills).toEqual([]);
  });

  it('transient_single_loot_already_applied for the second of two entries of one order', () => {
    const engine = engineWith();
    const applied = engine.apply({
      match_id: 'match-same-order',
      entries: [
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
      ],
    });
    expect(applied.entries.map((entry) => entry.result)).toEqual([
      'success',
      'transient_single_loot_already_applied',
    ]);
    expect(applied.status).toBe('partially_succeeded');
    expect(applied.entries[1]!.details).toEqual([]);
    expect(engine.balance(POTION)).toBe(2);
  });

  it('without a match_id: once, then transient_single_loot_already_applied (stored with an empty match_id)', () => {
    const engine = engineWith();
    expectSuccess(engine, fillTransient(TRANSIENT_LOOT, null));
    expectRefused(engine, fillTransient(TRANSIENT_LOOT, null), 'transient_single_loot_already_applied');
    expect(engine.written().transientFills).toEqual([{ lootId: TRANSIENT_LOOT, matchId: '' }]);

    const stored = engineWith({ claims: { transientFills: [{ lootId: TRANSIENT_LOOT, matchId: '' }] } });
    expectRefused(stored, fillTransient(TRANSIENT_LOOT, null), 'transient_single_loot_already_applied');
  });

  it('runs the fill_loot checks; a refused fill does not use up the match', () => {
    const engine = engineWith({ holdings: [{ item: CURSE, count: 1 }] });
    expectRefused(engine, fillTransient(UNKNOWN_LOOT, 'match-x'), 'loot_not_found');
    expectRefused(engine, fillTransient(TRANSIENT_LOOT, 'match-x', 4), 'quantity_not_allowed');
    expectRefused(engine, fillTransient(TRANSIENT_BLOCKED, 'match-x'), 'cannot_meet_loot_blocker');
    expect(engine.written().transientFills).toEqual([]);

    expectSuccess(engine, fillTransient(TRANSIENT_LOOT, 'match-x'));
  });

  it('a fill rolled back by a transaction does not use up the match', () => {
    const engine = engineWith();
    const applied = engine.apply({
      match_id: 'match-rollback',
      is_transaction: true,
      entries: [
        { type: 'fill_loot_single_transient', loot_id: TRANSIENT_LOOT, quantity: 1 },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(applied.entries.map((entry) => entry.result)).toEqual(['rollback', 'loot_not_found']);
    expect(engine.records()).toEqual([]);
    expect(engine.written().transientFills).toEqual([]);

    expectSuccess(engine, fillTransient(TRANSIENT_LOOT, 'match-rollback'));
  });
});
