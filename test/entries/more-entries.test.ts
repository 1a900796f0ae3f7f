import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detail } from '../../src/domain/details.js';
import { inventoryChanges } from '../helpers/details.js';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';
import { giveHoldings, inventorySnapshot, type Holding } from '../helpers/holdings.js';
import {
  expectOrderRefused,
  expectOrderSucceeded,
  results,
  submitAndWait,
  waitForOrders,
} from '../helpers/orders.js';
import {
  BLADE,
  BOW,
  BUNDLE,
  BUNDLE_PRICE,
  bundleAndClaimsCatalog,
  COIN,
  ENTITLED_SKIN,
  GRANT_HAT,
  HAT,
  M_BLADE,
  M_BOW,
  POTION,
  PROMO,
  PROMO_LOOT,
  SKIN,
  TRANSIENT_LOOT,
  UNKNOWN_LOOT,
} from '../fixtures/bundle-and-claims-catalog.js';

/**
 * promotion_code, purchase_dynamic_bundle, fill_loot_single_transient and fill_entitled_loot
 * through the real service: one order of each end to end, and what only the database can keep
 * across orders, batches and players: promotion uses and claims, failed codes in their window,
 * transient fills and fulfilled platform transactions, also under concurrent orders. Every rule and
 * result code of these entry types is tested on the engine alone (test/domain/entries/).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: bundleAndClaimsCatalog });
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------
// helpers

const give = (player: string, holdings: Holding[]) => giveHoldings(h, player, holdings);
const snapshot = (player: string) => inventorySnapshot(h, player);

const balanceIn = (records: InventoryRecord[], itemId: number) =>
  records.filter((record) => record.item_id === itemId).reduce((sum, record) => sum + record.count, 0);

const submit = (order: Record<string, unknown>) => submitAndWait(h, order);
const expectRefused = (order: Record<string, unknown>, code: string) => expectOrderRefused(h, order, code);
const expectSuccess = (order: Record<string, unknown>) => expectOrderSucceeded(h, order);

/** The detail a claim of a code of PROMO_LOOT records. */
const claimDetail = (code: string): Detail => ({ type: 'claim_promo_code', loot_id: PROMO_LOOT, code });

const promotionUses = async (code: string) => {
  const [row] = await h.sql<{ uses: number }>('select uses from promotion where code = ?', [code]);
  return row!.uses;
};

const promo = (player: string, code: string, order: Record<string, unknown> = {}) => ({
  player_uuid: player,
  ...order,
  entries: [{ type: 'promotion_code', external_tran_id: code }],
});

/** A purchase of BUNDLE showing `shown` as its members, at the full bundle price. */
const buyBundle = (player: string, shown: number[]) => ({
  player_uuid: player,
  entries: [
    {
      type: 'purchase_dynamic_bundle',
      loot_id: BUNDLE,
      dynamic_bundle_loot_ids: shown,
      purchase_price: { price_item_id: COIN, price: BUNDLE_PRICE },
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

describe('promotion_code end to end', () => {
  it('claims the code: a claim_promo_code detail first, then the inventory changes of its loot', async () => {
    const player = newPlayer();
    const usesBefore = await promotionUses(PROMO.open);
    const entry = await expectSuccess(promo(player, PROMO.open));

    expect(entry.details[0]).toEqual(claimDetail(PROMO.open));
    expect(entry.details.slice(1).every((detail) => detail.type === 'inventory_change')).toBe(true);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: PROMO_LOOT, item: HAT, before: null, after: 1 },
    ]);
    expect(await h.balance(player, HAT)).toBe(1);
    expect(await promotionUses(PROMO.open)).toBe(usesBefore + 1);
  });
});

describe('promotion uses and claims stored across orders and players', () => {
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

  it('promotion_no_uses_left once max_uses is reached, counted across players', async () => {
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
  });

  it('a claim rolled back by a transaction stores no use: another player claims the single use', async () => {
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

describe('promotion_code brute-force guard, over stored failed codes', () => {
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

describe('purchase_dynamic_bundle end to end', () => {
  it('buys every member at the discounted sum, with a dynamic_bundle_lti detail before each member', async () => {
    const player = newPlayer();
    await give(player, [{ item: COIN, quantity: 200 }]);
    // the shown members are a set: their order does not matter
    const entry = await expectSuccess(buyBundle(player, [M_BOW, M_BLADE]));

    expect(entry.details.map((detail) => [detail.type, detail.loot_id])).toEqual([
      ['inventory_change', BUNDLE],
      ['dynamic_bundle_lti', M_BLADE],
      ['inventory_change', M_BLADE],
      ['dynamic_bundle_lti', M_BOW],
      ['inventory_change', M_BOW],
    ]);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: BUNDLE, item: COIN, before: 200, after: 200 - BUNDLE_PRICE },
      { loot_id: M_BLADE, item: BLADE, before: null, after: 1 },
      { loot_id: M_BOW, item: BOW, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(balanceIn(after, COIN)).toBe(200 - BUNDLE_PRICE);
    expect(balanceIn(after, BLADE)).toBe(1);
    expect(balanceIn(after, BOW)).toBe(1);
  });
});

describe('fill_loot_single_transient', () => {
  it('grants the contents as transient records', async () => {
    const player = newPlayer();
    const entry = await expectSuccess(fillTransient(player, TRANSIENT_LOOT, 'match-1', 2));
    expect(inventoryChanges(entry.details)).toEqual([
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

  it('without a match_id: once, then transient_single_loot_already_applied', async () => {
    const player = newPlayer();
    await expectSuccess(fillTransient(player, TRANSIENT_LOOT, null));
    await expectRefused(fillTransient(player, TRANSIENT_LOOT, null), 'transient_single_loot_already_applied');
    expect(await h.balance(player, POTION)).toBe(2);
  });
});

describe('fill_entitled_loot', () => {
  it('grants the loot entitled by the sku in the source bucket', async () => {
    const player = newPlayer();
    const entry = await expectSuccess(entitled(player, { tran: uniqueTran('steam') }));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: ENTITLED_SKIN, item: SKIN, before: null, after: 1 },
    ]);
    const after = await snapshot(player);
    expect(after).toEqual([expect.objectContaining({ item_id: SKIN, count: 1, bucket: 'steam' })]);
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
