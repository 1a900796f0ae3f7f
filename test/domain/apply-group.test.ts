import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyPlayerBatches, type PlayerBatch } from '../../src/domain/apply-group.js';
import { counterpartiesOf } from '../../src/domain/apply-order.js';
import { GroupClaims, promotionsPastMaxUses } from '../../src/domain/claims.js';
import { changesOf, type HistoryRow, type UnnumberedChange } from '../../src/domain/history.js';
import { buildCatalog, NOW, queuedOrderFor, type OrderInput } from '../helpers/engine.js';
import {
  bundleAndClaimsCatalog,
  COIN,
  GRANT_HAT,
  HAT,
  PROMO,
} from '../fixtures/bundle-and-claims-catalog.js';

/**
 * applyPlayerBatches: the orders of several players, applied one player after another as one
 * group (one transaction in the worker). Each player's inventory is their own; what players share
 * (promotion uses, fulfilled platform transactions) passes from one to the next, exactly as if each
 * player's batch were a transaction of its own, in turn.
 */

const catalog = buildCatalog(bundleAndClaimsCatalog);

const redeem = (code: string): OrderInput => ({
  entries: [{ type: 'promotion_code', external_tran_id: code }],
});
const fulfil = (tran: string): OrderInput => ({
  source: 'STEAM',
  entries: [{ type: 'fill_entitled_loot', external_item_sku: 'SKU-SKIN', external_tran_id: tran }],
});

function batchOf(orders: OrderInput[], nextAppliedSeq = 1): PlayerBatch {
  const playerUuid = randomUUID();
  return {
    playerUuid,
    counters: { nextLegacyInventoryId: 1, nextAppliedSeq, nextHistorySeq: 1 },
    orders: orders.map((order) => queuedOrderFor(playerUuid, order)),
    records: [],
  };
}

const applyGroup = (batches: PlayerBatch[], claims = GroupClaims.empty()) => ({
  applied: applyPlayerBatches(batches, { catalog, claims, now: NOW, promotionFailureLimit: 10 }),
  claims,
});

const resultsOf = (batch: ReturnType<typeof applyPlayerBatches>[number]) =>
  batch.applied.map((order) => order.entries.map((entry) => entry.result));

describe('a group of players', () => {
  it('gives the last use of a promotion to one player only, and writes its count once', () => {
    const [first, second] = [batchOf([redeem(PROMO.oneUse)]), batchOf([redeem(PROMO.oneUse)])];
    const { applied, claims } = applyGroup([first, second]);
    expect(applied.map(resultsOf)).toEqual([[['success']], [['promotion_no_uses_left']]]);
    expect(
      claims.changes().map(({ playerUuid, changes }) => ({
        playerUuid,
        uses: Object.fromEntries(changes.promotionUses),
        claims: Object.fromEntries(changes.claims),
        failedCodes: changes.failedCodes,
      })),
    ).toEqual([
      {
        playerUuid: first.playerUuid,
        uses: { [PROMO.oneUse]: 1 },
        claims: { [PROMO.oneUse]: 1 },
        failedCodes: [],
      },
      { playerUuid: second.playerUuid, uses: {}, claims: {}, failedCodes: [PROMO.oneUse] },
    ]);
  });

  it('starts from the uses stored before the group: a promotion used up elsewhere stays used up', () => {
    const stored = new GroupClaims(
      { promotionUses: new Map([[PROMO.oneUse, 1]]), fulfilled: new Set() },
      new Map(),
    );
    const { applied } = applyGroup([batchOf([redeem(PROMO.oneUse)])], stored);
    expect(applied.map(resultsOf)).toEqual([[['promotion_no_uses_left']]]);
  });

  it('fulfils a platform transaction once, whichever player of the group sends it first', () => {
    const { applied, claims } = applyGroup([batchOf([fulfil('tran-7')]), batchOf([fulfil('tran-7')])]);
    expect(applied.map(resultsOf)).toEqual([[['success']], [['permission_denied']]]);
    expect(claims.changes().flatMap(({ changes }) => changes.fulfilled)).toEqual([
      { bucket: 'steam', externalTranId: 'tran-7' },
    ]);
  });

  it("keeps each player's inventory, counters and effect order their own", () => {
    const grantHat: OrderInput = { entries: [{ type: 'fill_loot', loot_id: GRANT_HAT, quantity: 1 }] };
    const [first, second] = [batchOf([grantHat, grantHat], 5), batchOf([grantHat], 1)];
    const { applied } = applyGroup([first, second]);
    expect(applied.map((batch) => batch.changes.playerUuid)).toEqual([first.playerUuid, second.playerUuid]);
    expect(applied.map((batch) => batch.changes.outcomes.map((outcome) => outcome.applied_seq))).toEqual([
      [5, 6],
      [1],
    ]);
    expect(applied.map((batch) => batch.changes.nextAppliedSeq)).toEqual([7, 2]);
    expect(
      applied.map((batch) =>
        batch.changes.inventory.inserted.map((record) => [record.item_id, record.count]),
      ),
    ).toEqual([[[HAT, 2]], [[HAT, 1]]]);
  });

  it('counts the uses each promotion gained in the group, to add to the stored count', () => {
    const stored = new GroupClaims(
      { promotionUses: new Map([[PROMO.unlimited, 7]]), fulfilled: new Set() },
      new Map(),
    );
    applyGroup(
      [batchOf([redeem(PROMO.unlimited), redeem(PROMO.open)]), batchOf([redeem(PROMO.unlimited)])],
      stored,
    );
    expect(Object.fromEntries(stored.promotionUsesAdded())).toEqual({
      [PROMO.unlimited]: 2,
      [PROMO.open]: 1,
    });
  });
});

describe('promotionsPastMaxUses', () => {
  it('names the promotions whose stored count now passes max_uses, and only those', () => {
    const usesNow = new Map([
      [PROMO.oneUse, 2], // max_uses 1
      [PROMO.hundred, 100], // max_uses 100: at the limit, not past it
      [PROMO.unlimited, 1_000_000],
    ]);
    expect(promotionsPastMaxUses(catalog, usesNow)).toEqual([PROMO.oneUse]);
  });
});

describe('a transfer between two players of the group', () => {
  const coins = (batch: PlayerBatch, count: number): PlayerBatch => ({
    ...batch,
    counters: { ...batch.counters, nextLegacyInventoryId: 2 },
    records: [
      {
        inventory_id: randomUUID(),
        type: 'persistent',
        legacy_inventory_id: 1,
        bucket: 'steam',
        count,
        acquired: NOW.toISOString(),
        expires: null,
        custom_data: {},
        item_id: COIN,
        collection_id: 'default',
        stack_id: 'default',
        display_properties: null,
      },
    ],
  });
  const give = (to: string, quantity: number): OrderInput => ({
    is_transaction: true,
    entries: [
      { type: 'transfer_inventory_stack', item_id: COIN, quantity, to_player_uuid: to, to_stack_id: 'gift' },
    ],
  });
  const countsOf = (batch: ReturnType<typeof applyPlayerBatches>[number]) => {
    const { inserted, updated, deleted } = batch.changes.inventory;
    return {
      inserted: inserted.map((r) => [r.stack_id, r.count, r.bucket]),
      updated: updated.map((r) => [r.stack_id, r.count]),
      deleted: deleted.length,
    };
  };

  it('takes from the giver and grants the receiver in one order, whichever of them comes first', () => {
    const receiver = batchOf([]);
    const giver = coins(batchOf([give(receiver.playerUuid, 30)]), 100);
    for (const order of [
      [receiver, giver],
      [giver, receiver],
    ]) {
      const { applied } = applyGroup(order);
      const [forGiver, forReceiver] = order[0] === giver ? applied : [applied[1]!, applied[0]!];
      expect(resultsOf(forGiver!)).toEqual([['success']]);
      expect(countsOf(forGiver!)).toEqual({ inserted: [], updated: [['default', 70]], deleted: 0 });
      // The part given keeps its bucket; the receiver's details are the entry's too.
      expect(countsOf(forReceiver!)).toEqual({ inserted: [['gift', 30, 'steam']], updated: [], deleted: 0 });
      expect(forGiver!.applied[0]!.entries[0]!.details).toHaveLength(2);
      expect(forReceiver!.changes.outcomes).toEqual([]);
    }
  });

  it('changes neither player when the giver holds too little, or the receiver cannot take it', () => {
    const receiver = batchOf([]);
    const giver = coins(batchOf([give(receiver.playerUuid, 101)]), 100);
    const { applied } = applyGroup([giver, receiver]);
    expect(resultsOf(applied[0]!)).toEqual([['cannot_afford_price']]);
    expect(applied.map(countsOf)).toEqual([
      { inserted: [], updated: [], deleted: 0 },
      { inserted: [], updated: [], deleted: 0 },
    ]);
    const full = coins(batchOf([]), 2_147_483_647);
    const second = coins(batchOf([give(full.playerUuid, 1)]), 100);
    const overflow = applyGroup([
      second,
      { ...full, records: full.records.map((r) => ({ ...r, stack_id: 'gift' })) },
    ]);
    expect(resultsOf(overflow.applied[0]!)).toEqual([['failed_to_modify_inventory']]);
    expect(overflow.applied.map(countsOf)[1]).toEqual({ inserted: [], updated: [], deleted: 0 });
  });

  it("only a transfer names a counterparty, and never in a player client's order", () => {
    const other = randomUUID();
    const order = (source: string | null, type: string) => ({
      player_uuid: randomUUID(),
      source,
      entries: [{ type, to_player_uuid: other }],
    });
    expect(counterpartiesOf(order('SYSTEM', 'transfer_inventory_stack'))).toEqual([other]);
    expect(counterpartiesOf(order('SYSTEM', 'purchase_loot'))).toEqual([]);
    expect(counterpartiesOf(order('CLIENT', 'transfer_inventory_stack'))).toEqual([]);
  });

  it('a receiver that is not loaded with the giver is an internal error, changing nothing', () => {
    const giver = coins(batchOf([give(randomUUID(), 1)]), 100);
    const { applied } = applyGroup([giver]);
    expect(resultsOf(applied[0]!)).toEqual([['internal_error']]);
    expect(countsOf(applied[0]!)).toEqual({ inserted: [], updated: [], deleted: 0 });
  });
});

describe("a group's history", () => {
  it("numbers each player's changes in the order they took effect, a transfer's on both sides", () => {
    const grantHat: OrderInput = { entries: [{ type: 'fill_loot', loot_id: GRANT_HAT, quantity: 1 }] };
    const receiver = batchOf([grantHat]);
    receiver.counters.nextHistorySeq = 4;
    const giver = batchOf([
      {
        entries: [
          { type: 'add_inventory_stack', item_id: COIN, quantity: 10 },
          {
            type: 'transfer_inventory_stack',
            item_id: COIN,
            quantity: 3,
            to_player_uuid: receiver.playerUuid,
          },
        ],
      },
      // Fails: changes nothing, so adds nothing to anyone's history.
      {
        entries: [
          {
            type: 'transfer_inventory_stack',
            item_id: COIN,
            quantity: 99,
            to_player_uuid: receiver.playerUuid,
          },
        ],
      },
    ]);
    const { applied } = applyGroup([receiver, giver]);
    const [ofReceiver, ofGiver] = applied.map((batch) => batch.changes);
    const row = (history: HistoryRow) => [
      history.seq,
      history.changes,
      history.order_id,
      history.order_player_uuid,
    ];
    const [grant, transfer] = [receiver.orders[0]!.order_id, giver.orders[0]!.order_id];
    // The giver: its order's two changes (the add, then the transfer's loss). Its failed order: none.
    expect(ofGiver!.history.map(row)).toEqual([[1, 2, transfer, giver.playerUuid]]);
    // The receiver: its own order, then the transfer's gain, numbered where it took effect.
    expect(ofReceiver!.history.map(row)).toEqual([
      [4, 1, grant, receiver.playerUuid],
      [5, 1, transfer, giver.playerUuid],
    ]);
    expect(ofReceiver!.history.map((history) => history.item_ids)).toEqual([[HAT], [COIN]]);
    expect([ofReceiver!.nextHistorySeq, ofGiver!.nextHistorySeq]).toEqual([6, 3]);

    // Each change, as a read works it out again from the order: whose it is, and the other player.
    const [giverOrder] = applied[1]!.applied;
    const summary = (change: UnnumberedChange) => ({
      player_uuid: change.player_uuid,
      entry_index: change.entry_index,
      counterparty_uuid: change.counterparty_uuid,
      counts: [change.before?.count ?? null, change.after?.count ?? null],
    });
    expect(changesOf(giverOrder!.order, giverOrder!.entries, 1).map(summary)).toEqual([
      { player_uuid: giver.playerUuid, entry_index: 0, counterparty_uuid: null, counts: [null, 10] },
      {
        player_uuid: giver.playerUuid,
        entry_index: 1,
        counterparty_uuid: receiver.playerUuid,
        counts: [10, 7],
      },
      {
        player_uuid: receiver.playerUuid,
        entry_index: 1,
        counterparty_uuid: giver.playerUuid,
        counts: [null, 3],
      },
    ]);
  });

  it('leaves out what a rolled-back transaction did', () => {
    const batch = batchOf([
      {
        is_transaction: true,
        entries: [
          { type: 'add_inventory_stack', item_id: COIN, quantity: 10 },
          { type: 'subtract_inventory_stack', item_id: COIN, quantity: 11 },
        ],
      },
    ]);
    const [{ changes, applied }] = applyGroup([batch]).applied as [
      ReturnType<typeof applyPlayerBatches>[number],
    ];
    expect(applied[0]!.entries.map((entry) => entry.result)).toEqual(['rollback', 'cannot_afford_price']);
    expect(changes.history).toEqual([]);
    expect(changes.nextHistorySeq).toBe(1);
  });
});
