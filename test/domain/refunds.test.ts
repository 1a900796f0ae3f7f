import { describe, expect, it } from 'vitest';
import type { PlayerOrderView } from '../../src/domain/order.js';
import { notTakenBack, refundEntriesOf, refundOrderOf, whyNotRefundable } from '../../src/domain/refunds.js';
import { engineFor, NOW, queuedOrderFor, type OrderInput } from '../helpers/engine.js';

/** Refunds as plain functions: what a refund's entries are, and what it could not take back. */

const GOLD = 1;
const SWORD = 10;
const PACK = 100;
const catalogData = {
  items: [
    { id: GOLD, name: 'Gold', currency: true },
    { id: SWORD, name: 'Sword' },
  ],
  loot: [
    {
      id: PACK,
      name: 'Pack',
      prices: [{ price_item_id: GOLD, price: 10 }],
      contents: [{ item_id: SWORD, quantity: 2 }],
    },
  ],
};

/** An order applied by a fresh engine, as the order store shows it once final. */
function finalOrder(input: OrderInput, holdings = [{ item: GOLD, count: 100 }]) {
  const engine = engineFor({ ...catalogData, holdings });
  const applied = engine.apply(input);
  const view: PlayerOrderView = {
    ...queuedOrderFor(engine.playerUuid, input),
    status: applied.status,
    applied_seq: 1,
    created_time: NOW.toISOString(),
    completed_time: NOW.toISOString(),
    collection_etags: null,
    entries: applied.entries,
  };
  return { engine, view };
}

const buyPack: OrderInput = {
  entries: [
    { type: 'purchase_loot', loot_id: PACK, quantity: 1, purchase_price: { price_item_id: GOLD, price: 10 } },
  ],
};

describe('refundEntriesOf', () => {
  it('returns what was spent and takes back what was granted, net per stack', () => {
    const { view } = finalOrder(buyPack);
    expect(refundEntriesOf(view)).toEqual([
      {
        entry_id: 'refund-1',
        type: 'add_inventory_stack',
        item_id: GOLD,
        quantity: 10,
        collection_id: 'default',
        stack_id: 'default',
      },
      {
        entry_id: 'refund-2',
        type: 'revoke_inventory',
        item_id: SWORD,
        quantity: 2,
        collection_id: 'default',
        stack_id: 'default',
      },
    ]);
  });

  it('has nothing to undo in an order that failed, and refuses a refund of a refund', () => {
    const { view } = finalOrder({
      entries: [
        {
          type: 'purchase_loot',
          loot_id: PACK,
          quantity: 20,
          purchase_price: { price_item_id: GOLD, price: 10 },
        },
      ],
    });
    expect(view.status).toBe('failed');
    expect(refundEntriesOf(view)).toEqual([]);
    expect(whyNotRefundable(view)).toMatch(/took effect/);
    const { view: bought } = finalOrder(buyPack);
    expect(whyNotRefundable(bought)).toBeNull();
    expect(whyNotRefundable({ ...bought, refund_of: 'x' })).toMatch(/a refund is not refunded/);
  });

  it('gives the same refund, with the same id, however often it is worked out', () => {
    const { view } = finalOrder(buyPack);
    expect(refundOrderOf(view)).toEqual(refundOrderOf(view));
    expect(refundOrderOf(view).order_id).not.toBe(refundOrderOf({ ...view, order_id: 'other' }).order_id);
  });
});

describe('revoke_inventory and notTakenBack', () => {
  it('takes what the player still holds and lists the rest', () => {
    const { engine, view } = finalOrder(buyPack);
    // The player gave one of the two swords away before the refund.
    engine.apply({ entries: [{ type: 'subtract_inventory_stack', item_id: SWORD, quantity: 1 }] });
    const refund = refundOrderOf(view);
    const applied = engine.apply(refund, undefined, view.order_id);
    expect(applied.entries.map((entry) => entry.result)).toEqual(['success', 'success']);
    expect(engine.balance(SWORD)).toBe(0);
    expect(engine.balance(GOLD)).toBe(100);
    const shown = { refund_of: view.order_id, completed_time: NOW.toISOString(), entries: applied.entries };
    expect(notTakenBack(shown)).toEqual([{ entry_id: 'refund-2', item_id: SWORD, quantity: 1 }]);
    expect(notTakenBack({ ...shown, completed_time: null })).toBeNull();
  });

  it('is permission_denied in an order that is not a refund', () => {
    const engine = engineFor({ ...catalogData, holdings: [{ item: SWORD, count: 1 }] });
    const applied = engine.apply({ entries: [{ type: 'revoke_inventory', item_id: SWORD, quantity: 1 }] });
    expect(applied.entries[0]!.result).toBe('permission_denied');
    expect(engine.balance(SWORD)).toBe(1);
  });
});
