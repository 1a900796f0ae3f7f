import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Transfers between two players (transfer_inventory_stack with `to_player_uuid`) through the real
 * service: both players change in the order's one transaction, or neither; transfers crossing in
 * both directions at once neither deadlock nor lose or make anything.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

const grant = (player: string, quantity: number) =>
  h.submit({ player_uuid: player, entries: [{ type: 'add_inventory_stack', item_id: GEMS, quantity }] });
const transfer = (from: string, to: string, quantity: number) => ({
  player_uuid: from,
  is_transaction: true,
  entries: [{ type: 'transfer_inventory_stack', item_id: GEMS, quantity, to_player_uuid: to }],
});

describe('a transfer between players', () => {
  it('moves from the giver to a receiver no order touched before, in one order of the giver', async () => {
    const [giver, receiver] = [newPlayer(), newPlayer()];
    await grant(giver, 100);
    const response = await h.submit(transfer(giver, receiver, 40));
    expect(response.body.status).toBe('succeeded');
    expect(
      response.body.entries[0].details.map(
        (d: { inv_change: { after: { count: number } } }) => d.inv_change.after.count,
      ),
    ).toEqual([60, 40]);
    expect(await h.balance(giver, GEMS)).toBe(60);
    expect(await h.balance(receiver, GEMS)).toBe(40);
    // The order is the giver's alone; the receiver has no order of it.
    expect(await h.orderCount(receiver)).toBe(0);
  });

  it('changes neither player when the giver holds too little', async () => {
    const [giver, receiver] = [newPlayer(), newPlayer()];
    await grant(giver, 10);
    await grant(receiver, 5);
    const response = await h.submit(transfer(giver, receiver, 11));
    expect(response.body.entries[0].result).toBe('cannot_afford_price');
    expect([await h.balance(giver, GEMS), await h.balance(receiver, GEMS)]).toEqual([10, 5]);
  });

  it("waits while another transaction holds the receiver, the giver's later orders behind it, then applies both in order", async () => {
    const [giver, receiver] = [newPlayer(), newPlayer()];
    await grant(giver, 100);
    await grant(receiver, 1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = h.orm.em.fork().transactional(async (tx) => {
      await tx.execute('select 1 from player where player_uuid = ? for update', [receiver]);
      locked();
      await released;
    });
    await isLocked;
    const first = await h.server('POST', '/v1/orders', transfer(giver, receiver, 30), { prefer: 'wait=1' });
    const second = await h.server('POST', '/v1/orders', transfer(giver, receiver, 70), { prefer: 'wait=1' });
    expect([first.body.status, second.body.status]).toEqual(['queued', 'queued']);
    expect(await h.balance(giver, GEMS)).toBe(100);
    release();
    await holder;
    const final = await h.server('GET', `/v1/orders/${second.body.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(final.body.status).toBe('succeeded');
    const firstFinal = await h.server('GET', `/v1/orders/${first.body.order_id}`);
    expect(firstFinal.body.applied_seq).toBeLessThan(final.body.applied_seq);
    expect([await h.balance(giver, GEMS), await h.balance(receiver, GEMS)]).toEqual([0, 101]);
  });

  it('many transfers crossing between two players at once all finish, and nothing is lost or made', async () => {
    const [a, b] = [newPlayer(), newPlayer()];
    await grant(a, 1000);
    await grant(b, 1000);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.submit(i % 2 === 0 ? transfer(a, b, 7) : transfer(b, a, 3))),
    );
    expect(responses.map((r) => r.body.status)).toEqual(Array(40).fill('succeeded'));
    expect(await h.balance(a, GEMS)).toBe(1000 - 20 * 7 + 20 * 3);
    expect(await h.balance(b, GEMS)).toBe(1000 + 20 * 7 - 20 * 3);
  });
});
