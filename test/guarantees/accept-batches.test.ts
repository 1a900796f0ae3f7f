import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { waitForOrders } from '../helpers/orders.js';

/**
 * Concurrent submits are stored by one multi-row insert (src/api/accept-orders.ts). Whatever lands
 * in one batch, each caller gets the answer it would get alone, and each key is stored once.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  expect((await h.putCatalog(baseCatalog)).status).toBe(200);
});
afterAll(() => h.close());

/** Sends every request at once, so that they share accept batches, and answers in the same order. */
const submitAll = (orders: unknown[]) =>
  Promise.all(orders.map((order) => h.server('POST', '/v1/orders', order)));

// grantGems(player, n) grants 100 × n gems.
describe('submits racing each other in accept batches', () => {
  it('an order and its replays sent at once: one 202, the rest 200 replays, stored and applied once', async () => {
    const players = Array.from({ length: 8 }, () => newPlayer());
    const orders = players.map((player, index) => ({
      ...grantGems(player, 5),
      order_id: `race-${index}-${player}`,
    }));
    // Each order three times, interleaved, so copies of one order meet in the same batch.
    const answers = await submitAll([...orders, ...orders, ...orders]);

    for (const order of orders) {
      const mine = answers.filter((answer) => answer.body.order_id === order.order_id);
      expect(mine.map((answer) => answer.status).sort()).toEqual([200, 200, 202]);
      const replays = mine.filter((answer) => answer.status === 200);
      for (const replay of replays) expect(replay.headers.get('idempotent-replayed')).toBe('true');
    }
    const final = await waitForOrders(
      h,
      orders.map((order) => order.order_id),
    );
    expect(final.map((order) => order.status)).toEqual(orders.map(() => 'succeeded'));
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(500);
  });

  it('the same key with another body in the same burst is a 409, and the first body is the one stored', async () => {
    const player = newPlayer();
    const original = { ...grantGems(player, 1), client_order_ref_id: 'burst-ref' };
    const changed = { ...grantGems(player, 7), client_order_ref_id: 'burst-ref' };
    const answers = await submitAll([original, changed, original, changed]);

    expect(answers.map((answer) => answer.status)).toEqual([202, 409, 200, 409]);
    for (const refused of [answers[1]!, answers[3]!])
      expect(refused.body.error_code).toBe('idempotency_conflict');
    const [final] = await waitForOrders(h, [answers[0]!.body.order_id]);
    expect(final.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('a bad order in a burst fails alone: the others are accepted and applied', async () => {
    const players = Array.from({ length: 6 }, () => newPlayer());
    const good = players.map((player) => grantGems(player, 2));
    const bad = { player_uuid: 'not-a-uuid', entries: [] };
    const answers = await submitAll([good[0], bad, ...good.slice(1)]);

    expect(answers.map((answer) => answer.status)).toEqual([202, 422, 202, 202, 202, 202, 202]);
    await waitForOrders(
      h,
      answers.filter((answer) => answer.status === 202).map((answer) => answer.body.order_id),
    );
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(200);
  });
});
