import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseCatalog,
  buySwords,
  GEMS,
  GEM_GRANT,
  grantGems,
  SWORD,
  SWORD_PACK,
} from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { results, waitForOrders } from '../helpers/orders.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WORKER_CONCURRENCY: '16' }, catalog: baseCatalog });
});
afterAll(() => h.close());

const fourEntries = (player: string, isTransaction: boolean) => ({
  player_uuid: player,
  is_transaction: isTransaction,
  entries: [
    { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 },
    {
      type: 'purchase_loot',
      loot_id: SWORD_PACK,
      quantity: 1,
      purchase_price: { price_item_id: GEMS, price: 50 },
    },
    {
      type: 'purchase_loot',
      loot_id: SWORD_PACK,
      quantity: 1,
      purchase_price: { price_item_id: GEMS, price: 49 },
    },
    { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 },
  ],
});

describe('guarantee 4: transactions', () => {
  it('fails at entry 3 of 4: rollback, rollback, its code, not_started; inventory exactly as before', async () => {
    const player = newPlayer();
    await h.submit(grantGems(player));
    const before = await h.inventory(player);

    const response = await h.submit(fourEntries(player, true));
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('failed');
    expect(results(response.body)).toEqual(['rollback', 'rollback', 'price_does_not_match', 'not_started']);
    expect(await h.inventory(player)).toEqual(before);
  });

  it('without is_transaction each entry stands alone: partially_succeeded', async () => {
    const player = newPlayer();
    const response = await h.submit(fourEntries(player, false));
    expect(response.body.status).toBe('partially_succeeded');
    expect(results(response.body)).toEqual(['success', 'success', 'price_does_not_match', 'success']);
    expect(await h.balance(player, GEMS)).toBe(150);
    expect(await h.balance(player, SWORD)).toBe(1);
  });
});

describe('guarantee 3: no double spend', () => {
  it('50 concurrent purchases by a player who can afford 10: exactly 10 succeed, balance 0', async () => {
    const player = newPlayer();
    await h.submit(grantGems(player, 5));
    expect(await h.balance(player, GEMS)).toBe(500);

    const accepted = await Promise.all(
      Array.from({ length: 50 }, () => h.server('POST', '/v1/orders', buySwords(player))),
    );
    expect(accepted.every((response) => response.status === 202)).toBe(true);
    const finals = await waitForOrders(
      h,
      accepted.map((response) => response.body.order_id as string),
    );

    expect(finals.filter((order) => order.status === 'succeeded')).toHaveLength(10);
    expect(finals.filter((order) => results(order)[0] === 'cannot_afford_price')).toHaveLength(40);
    expect(await h.balance(player, GEMS)).toBe(0);
    expect(await h.balance(player, SWORD)).toBe(10);
    const [negative] = await h.sql<{ n: string }>(
      'select count(*) as n from inventory_record where count < 0',
    );
    expect(Number(negative!.n)).toBe(0);
  });
});

describe('guarantee 2: per-player order', () => {
  it('20 pairs of (grant, spend it) submitted back to back all succeed', async () => {
    const player = newPlayer();
    const orderIds: string[] = [];
    for (let pair = 0; pair < 20; pair++) {
      for (const order of [grantGems(player), buySwords(player, 2)]) {
        const response = await h.server('POST', '/v1/orders', order);
        expect(response.status).toBe(202);
        orderIds.push(response.body.order_id);
      }
    }
    const finals = await waitForOrders(h, orderIds);
    expect(finals.map((order) => order.status)).toEqual(Array(40).fill('succeeded'));
    expect(await h.balance(player, GEMS)).toBe(0);
    expect(await h.balance(player, SWORD)).toBe(40);
  });
});

describe('guarantee 1: duplicates', () => {
  it('20 concurrent identical submits make one order, applied once', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), order_id: `dup-${randomUUID()}` };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => h.server('POST', '/v1/orders', order)),
    );

    expect(responses.filter((response) => response.status === 202)).toHaveLength(1);
    const replays = responses.filter((response) => response.status === 200);
    expect(replays).toHaveLength(19);
    expect(replays.every((response) => response.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(new Set(responses.map((response) => response.body.order_id))).toEqual(new Set([order.order_id]));

    await waitForOrders(h, [order.order_id]);
    const rows = await h.sql('select order_id from player_order where player_uuid = ?', [player]);
    expect(rows).toHaveLength(1);
    expect(await h.balance(player, GEMS)).toBe(100);

    const conflict = await h.server('POST', '/v1/orders', {
      ...order,
      entries: [{ ...order.entries[0], quantity: 2 }],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error_code).toBe('idempotency_conflict');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});
