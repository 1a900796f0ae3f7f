import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseCatalog, buySwords, GEMS, grantGems, SWORD } from '../helpers/catalog-fixture.js';
import { playerToken } from '../helpers/credentials.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

/**
 * `POST /v1/orders?dry_run=true`: the results and details an order would have against the
 * player's inventory as it is now, and nothing stored or changed, proved by row counts.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    catalog: { ...baseCatalog, promotions: [{ code: 'ONCE', loot_id: 200, max_uses: 1 }] },
  });
});
afterAll(() => h.close());

const TABLES = [
  'player',
  'inventory_record',
  'inventory_change',
  'player_order',
  'promotion_claim',
  'promotion_failure',
];

/** Every table's rows, and the promotion's uses: what a dry run must leave exactly as it was. */
async function rowCounts() {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await h.sql<{ n: number }>(`select count(*)::int as n from ${table}`);
    counts[table] = row!.n;
  }
  const [uses] = await h.sql<{ uses: number }>(`select uses from promotion where code = 'ONCE'`);
  counts.promotion_uses = uses!.uses;
  return counts;
}

const dryRun = (order: Record<string, unknown>) => h.server('POST', '/v1/orders?dry_run=true', order);

it('answers 200 with the results and details the order would have, storing and changing nothing', async () => {
  const player = newPlayer();
  await h.submit(grantGems(player));
  const before = await rowCounts();
  const inventory = await h.inventory(player);

  const response = await dryRun(buySwords(player, 1));
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({
    dry_run: true,
    status: 'succeeded',
    applied_seq: null,
    player_uuid: player,
  });
  expect(response.body.order_id).toBeUndefined();
  const counts = response.body.entries[0].details.map(
    (detail: { inv_change: { after: { item_id: number; count: number } | null } }) => [
      detail.inv_change.after?.item_id,
      detail.inv_change.after?.count,
    ],
  );
  expect(counts).toEqual([
    [GEMS, 50],
    [SWORD, 1],
  ]);

  const failing = await dryRun(buySwords(player, 3));
  expect(failing.body).toMatchObject({
    status: 'failed',
    entries: [{ result: 'cannot_afford_price', details: [] }],
  });

  expect(await rowCounts()).toEqual(before);
  expect(await h.inventory(player)).toEqual(inventory);
});

it('uses no promotion, counts no failed code, makes no player, and keeps a chosen order_id free', async () => {
  const before = await rowCounts();
  const player = newPlayer();
  const redeem = (code: string) =>
    dryRun({
      order_id: 'dry-1',
      player_uuid: player,
      entries: [{ type: 'promotion_code', external_tran_id: code }],
    });
  const claim = await redeem('ONCE');
  expect(claim.body).toMatchObject({
    order_id: 'dry-1',
    status: 'succeeded',
    entries: [{ result: 'success' }],
  });
  const unknown = await redeem('NOPE');
  expect(unknown.body.entries[0].result).toBe('promotion_not_found');
  expect(await rowCounts()).toEqual(before);
  // The code is still there to claim, and the order id still free.
  const real = await h.submit({
    order_id: 'dry-1',
    player_uuid: player,
    entries: [{ type: 'promotion_code', external_tran_id: 'ONCE' }],
  });
  expect(real.status).toBe(200);
  expect(real.body.entries[0].result).toBe('success');
});

it('validates as a submit does: a bad order is a 422, and dry_run must be true or false', async () => {
  const player = newPlayer();
  expect((await dryRun({ player_uuid: player, entries: [] })).status).toBe(422);
  expect((await h.server('POST', '/v1/orders?dry_run=maybe', grantGems(player))).status).toBe(422);
  expect(await h.orderCount(player)).toBe(0);
});

it('a player client dry-runs its own order as CLIENT, under the client rules, storing nothing', async () => {
  const player = newPlayer();
  await h.submit(grantGems(player));
  const before = await rowCounts();
  const token = await playerToken(h.config.PLAYER_JWT_SECRET, player);
  const response = await h.request('POST', '/v1/me/orders?dry_run=true', {
    body: { entries: [{ type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 1 }] },
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({
    dry_run: true,
    source: 'CLIENT',
    entries: [{ result: 'permission_denied' }],
  });
  expect(await rowCounts()).toEqual(before);
});
