import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, buySwords, GEMS, grantGems, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

describe('submitting an order', () => {
  it('answers 202 queued with every entry not_started and a Location, then finishes', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', grantGems(player));
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('queued');
    expect(response.body.entries.map((entry: { result: string }) => entry.result)).toEqual(['not_started']);
    expect(response.headers.get('location')).toBe(`/v1/orders/${response.body.order_id}`);

    const final = await h.server('GET', `/v1/orders/${response.body.order_id}`, undefined, {
      prefer: 'wait=10',
    });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('succeeded');
    expect(final.body.completed_time).not.toBeNull();
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('with Prefer: wait answers 200 with the final order', async () => {
    const player = newPlayer();
    await h.submit(grantGems(player));
    const response = await h.submit(buySwords(player));
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(50);
    expect(await h.balance(player, SWORD)).toBe(1);
  });
});
