import { describe, expect, it } from 'vitest';
import { inventoryChanges } from '../../helpers/details.js';
import {
  engineFor,
  expectRefused,
  expectSuccess,
  type OrderInput,
  type StoredClaims,
} from '../../helpers/engine.js';
import {
  bundleAndClaimsCatalog,
  GRANT_HAT,
  HAT,
  PROMO,
  PROMO_LOOT,
  UNKNOWN_LOOT,
} from '../../fixtures/bundle-and-claims-catalog.js';

/**
 * promotion_code: claims the code in `external_tran_id` and fills its loot once. Uses are counted
 * across players and claims per player; every code that cannot be claimed counts as a failed
 * attempt towards the brute-force guard.
 */

const engineWith = (claims: StoredClaims = {}, promotionFailureLimit = 10) =>
  engineFor({ ...bundleAndClaimsCatalog, claims, promotionFailureLimit });

const promo = (code: string, order: Omit<OrderInput, 'entries'> = {}): OrderInput => ({
  ...order,
  entries: [{ type: 'promotion_code', external_tran_id: code }],
});

const claimDetail = (code: string, lootId = PROMO_LOOT) => ({
  type: 'claim_promo_code',
  loot_id: lootId,
  code,
});
const nothingWritten = { promotionUses: {}, claims: {}, failedCodes: [], transientFills: [], fulfilled: [] };

describe('promotion_code claims', () => {
  it('a claim_promo_code detail first, then the inventory changes of its loot; one use and one claim are written', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, promo(PROMO.open));
    expect(entry.details[0]).toEqual(claimDetail(PROMO.open));
    expect(entry.details.slice(1).every((detail) => detail.type === 'inventory_change')).toBe(true);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: PROMO_LOOT, item: HAT, before: null, after: 1 },
    ]);
    expect(entry.quantity).toBe(1);
    expect(engine.written()).toEqual({
      ...nothingWritten,
      promotionUses: { [PROMO.open]: 1 },
      claims: { [PROMO.open]: 1 },
    });
  });

  it('counts on from the uses and claims stored before', () => {
    const engine = engineWith({
      promotionUses: { [PROMO.twice]: 41 },
      claimedByPlayer: { [PROMO.twice]: 1 },
    });
    expectSuccess(engine, promo(PROMO.twice));
    expect(engine.written()).toMatchObject({
      promotionUses: { [PROMO.twice]: 42 },
      claims: { [PROMO.twice]: 2 },
    });
  });

  it('a player client may redeem a code whose loot is not fillable from the client; any quantity is one claim', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, {
      source: 'CLIENT',
      entries: [{ type: 'promotion_code', external_tran_id: PROMO.started, quantity: 5 }],
    });
    expect(entry.details[0]).toEqual(claimDetail(PROMO.started));
    expect(engine.balance(HAT)).toBe(1);
    expect(engine.written().promotionUses).toEqual({ [PROMO.started]: 1 });
  });

  it('a promotion is available from starts_at on, and until just before expires_at', () => {
    expectSuccess(engineWith(), promo(PROMO.startsNow));
    expectRefused(engineWith(), promo(PROMO.expiresNow), 'promotion_expired');
  });

  it('a promotion without max_uses or per_player may be claimed again and again', () => {
    const engine = engineWith({ promotionUses: { [PROMO.unlimited]: 1_000_000 } });
    for (let i = 0; i < 3; i++) expectSuccess(engine, promo(PROMO.unlimited));
    expect(engine.balance(HAT)).toBe(3);
  });
});

describe('promotion_code refusals change nothing and count as failed attempts', () => {
  it('promotion_not_found for a code no promotion has', () => {
    const engine = engineWith();
    expectRefused(engine, promo('NO-SUCH-CODE'), 'promotion_not_found');
    expect(engine.written()).toEqual({ ...nothingWritten, failedCodes: ['NO-SUCH-CODE'] });
  });

  it('promotion_not_available when inactive or not started yet (inactive is checked before expiry)', () => {
    const engine = engineWith();
    expectRefused(engine, promo(PROMO.inactive), 'promotion_not_available');
    expectRefused(engine, promo(PROMO.future), 'promotion_not_available');
    expectRefused(engine, promo(PROMO.inactiveAndExpired), 'promotion_not_available');
    expect(engine.written()).toEqual({
      ...nothingWritten,
      failedCodes: [PROMO.inactive, PROMO.future, PROMO.inactiveAndExpired],
    });
  });

  it('promotion_expired after expires_at', () => {
    const engine = engineWith();
    expectRefused(engine, promo(PROMO.expired), 'promotion_expired');
    expect(engine.written()).toEqual({ ...nothingWritten, failedCodes: [PROMO.expired] });
  });

  it('promotion_no_uses_left once max_uses is reached, by this player or others; checked before per_player', () => {
    expectRefused(
      engineWith({ promotionUses: { [PROMO.oneUse]: 1 } }),
      promo(PROMO.oneUse),
      'promotion_no_uses_left',
    );
    expectRefused(engineWith(), promo(PROMO.zeroUses), 'promotion_no_uses_left');

    const engine = engineWith();
    expectSuccess(engine, promo(PROMO.oneUse));
    expectRefused(engine, promo(PROMO.oneUse), 'promotion_no_uses_left');
    expect(engine.written()).toEqual({
      ...nothingWritten,
      promotionUses: { [PROMO.oneUse]: 1 },
      claims: { [PROMO.oneUse]: 1 },
      failedCodes: [PROMO.oneUse],
    });

    // a player who reached per_player is told there are no uses left when there are none
    const bothReached = { promotionUses: { [PROMO.capped]: 1 }, claimedByPlayer: { [PROMO.capped]: 1 } };
    expectRefused(engineWith(bothReached), promo(PROMO.capped), 'promotion_no_uses_left');
  });

  it('promotion_claimed_already once the player reached per_player, in this batch or before', () => {
    const engine = engineWith();
    expectSuccess(engine, promo(PROMO.twice));
    expectSuccess(engine, promo(PROMO.twice));
    expectRefused(engine, promo(PROMO.twice), 'promotion_claimed_already');
    expect(engine.balance(HAT)).toBe(2);

    expectRefused(
      engineWith({ claimedByPlayer: { [PROMO.open]: 1 } }),
      promo(PROMO.open),
      'promotion_claimed_already',
    );
  });

  it('runs the fill_loot checks after the promotion checks: the loot refused takes no use and is no failed attempt', () => {
    const engine = engineWith();
    expectRefused(engine, promo(PROMO.deadLoot), 'loot_not_active');
    expectRefused(engine, promo(PROMO.portalLoot, { portal_id: 8 }), 'not_allowed_on_current_portal');
    expect(engine.written()).toEqual(nothingWritten);
    expectSuccess(engine, promo(PROMO.portalLoot, { portal_id: 7 }));
  });
});

describe('promotion_code brute-force guard', () => {
  it('too_many_requests once the player has as many failed codes in the window as the limit, whatever the code', () => {
    const engine = engineWith({ recentFailedCodes: 10 }, 10);
    expectRefused(engine, promo(PROMO.open), 'too_many_requests');
    // an unknown code gets the same answer: a guesser learns nothing
    expectRefused(engine, promo('GUESS'), 'too_many_requests');
    // refused attempts take no use, and do not count as failed codes again
    expect(engine.written()).toEqual(nothingWritten);
  });

  it('the failed codes of this batch count with those stored: the 10th keeps its own code, the 11th is refused', () => {
    const engine = engineWith({ recentFailedCodes: 8 }, 10);
    expectRefused(engine, promo('GUESS-9'), 'promotion_not_found');
    expectRefused(engine, promo('GUESS-10'), 'promotion_not_found');
    expectRefused(engine, promo(PROMO.open), 'too_many_requests');

    // one below the limit, a valid code is still claimed
    expectSuccess(engineWith({ recentFailedCodes: 9 }, 10), promo(PROMO.open));
  });

  it('ten failed codes in one order each keep their own result; an eleventh entry is refused', () => {
    const engine = engineWith({}, 10);
    const guesses = Array.from({ length: 11 }, (_, i) => ({
      type: 'promotion_code',
      external_tran_id: `TRY-${i}`,
    }));
    const applied = engine.apply({ entries: guesses });
    expect(applied.entries.map((entry) => entry.result)).toEqual([
      ...Array<string>(10).fill('promotion_not_found'),
      'too_many_requests',
    ]);
    expect(engine.written().failedCodes).toHaveLength(10);
  });

  it('a failed code in a transaction that failed is still counted: it was an attempt', () => {
    const engine = engineWith();
    const applied = engine.apply({
      is_transaction: true,
      entries: [
        { type: 'fill_loot', loot_id: GRANT_HAT, quantity: 1 },
        { type: 'promotion_code', external_tran_id: 'GUESS' },
      ],
    });
    expect(applied.entries.map((entry) => entry.result)).toEqual(['rollback', 'promotion_not_found']);
    expect(engine.written()).toEqual({ ...nothingWritten, failedCodes: ['GUESS'] });
  });
});

describe('promotion_code with other entries', () => {
  it('a claim in a non-transactional order stands even when a later entry fails', () => {
    const engine = engineWith();
    const applied = engine.apply({
      entries: [
        { type: 'promotion_code', external_tran_id: PROMO.open },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(applied.status).toBe('partially_succeeded');
    expect(applied.entries.map((entry) => entry.result)).toEqual(['success', 'loot_not_found']);
    expect(applied.entries[0]!.details[0]).toEqual(claimDetail(PROMO.open));
    expect(engine.written().claims).toEqual({ [PROMO.open]: 1 });
    expectRefused(engine, promo(PROMO.open), 'promotion_claimed_already');
  });

  it('a claim rolled back by a transaction gives its use back, with a return_promo_code detail', () => {
    const engine = engineWith();
    const applied = engine.apply({
      is_transaction: true,
      entries: [
        { type: 'promotion_code', external_tran_id: PROMO.oneUse },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(applied.entries.map((entry) => entry.result)).toEqual(['rollback', 'loot_not_found']);
    const details = applied.entries[0]!.details;
    expect(details[0]).toEqual(claimDetail(PROMO.oneUse));
    expect(inventoryChanges(details)).toEqual([{ loot_id: PROMO_LOOT, item: HAT, before: null, after: 1 }]);
    expect(details.at(-1)).toEqual({ type: 'return_promo_code', loot_id: PROMO_LOOT, code: PROMO.oneUse });
    expect(engine.records()).toEqual([]);
    expect(engine.written()).toEqual(nothingWritten);
    // the single use is still there to claim
    expectSuccess(engine, promo(PROMO.oneUse));
  });
});
