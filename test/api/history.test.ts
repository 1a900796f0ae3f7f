import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseCatalog, buySwords, GEM_GRANT, GEMS, SWORD } from '../helpers/catalog-fixture.js';
import { playerToken, webhookSignature } from '../helpers/credentials.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

/**
 * A player's history: every change to their inventory in effect order, each leading back to its
 * order, entry, source and the platform event behind it, one query answering "where did my sword go?".
 */

const STEAM_SECRET = 'steam-history-secret';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WEBHOOK_SECRET_STEAM: STEAM_SECRET }, catalog: baseCatalog });
});
afterAll(() => h.close());

interface Change {
  seq: number;
  applied_time: string;
  order_id: string;
  order_player_uuid: string;
  applied_seq: number;
  entry_index: number;
  entry_type: string;
  source: string | null;
  platform_event: { platform: string; event_id: string } | null;
  counterparty_uuid: string | null;
  item_id: number;
  before: { count: number } | null;
  after: { count: number } | null;
}

const history = async (
  player: string,
  query = '',
): Promise<{ history: Change[]; next_cursor: string | null }> => {
  const response = await h.server('GET', `/v1/players/${player}/history?${query}`);
  expect(response.status).toBe(200);
  return response.body;
};

async function steamGems(player: string, eventId: string) {
  const body = JSON.stringify({
    order_id: eventId,
    player_uuid: player,
    entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
  });
  const response = await h.request('POST', '/v1/webhooks/steam', {
    rawBody: body,
    headers: { 'x-armory-signature': webhookSignature(STEAM_SECRET, body), prefer: 'wait=20' },
  });
  expect(response.body.status).toBe('succeeded');
}

it('answers where a sword came from and where it went, back to the platform event that paid for it', async () => {
  const [player, friend] = [newPlayer(), newPlayer()];
  const eventId = `evt-${randomUUID()}`;
  await steamGems(player, eventId);
  const bought = await h.submit(buySwords(player));
  const given = await h.submit({
    player_uuid: player,
    entries: [{ type: 'transfer_inventory_stack', item_id: SWORD, quantity: 1, to_player_uuid: friend }],
  });
  expect(given.body.status).toBe('succeeded');

  const all = await history(player);
  expect(all.next_cursor).toBeNull();
  expect(all.history.map((change) => [change.seq, change.entry_type, change.item_id])).toEqual([
    [1, 'fill_loot', GEMS],
    [2, 'purchase_loot', GEMS],
    [3, 'purchase_loot', SWORD],
    [4, 'transfer_inventory_stack', SWORD],
  ]);
  expect(all.history[0]).toMatchObject({
    order_id: `steam:${eventId}`,
    source: 'STEAM',
    platform_event: { platform: 'steam', event_id: eventId },
    applied_seq: 1,
    before: null,
    after: { count: 100 },
  });
  expect(all.history[2]).toMatchObject({ order_id: bought.body.order_id, applied_seq: 2, entry_index: 0 });

  const sword = await history(player, `item_id=${SWORD}`);
  expect(
    sword.history.map((change) => [change.entry_type, change.before?.count ?? 0, change.after?.count ?? 0]),
  ).toEqual([
    ['purchase_loot', 0, 1],
    ['transfer_inventory_stack', 1, 0],
  ]);
  expect(sword.history[1]).toMatchObject({
    order_id: given.body.order_id,
    order_player_uuid: player,
    counterparty_uuid: friend,
  });

  const received = await history(friend);
  expect(received.history).toEqual([
    expect.objectContaining({
      seq: 1,
      order_id: given.body.order_id,
      order_player_uuid: player,
      applied_seq: given.body.applied_seq,
      counterparty_uuid: player,
      item_id: SWORD,
      before: null,
      after: expect.objectContaining({ count: 1 }),
    }),
  ]);
});

it('pages by cursor in effect order, and reads from a time on with since', async () => {
  const player = newPlayer();
  for (let n = 0; n < 3; n++)
    await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const page = await history(player, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.history.map((change) => change.after!.count));
    cursor = page.next_cursor;
  } while (cursor);
  expect(seen).toEqual([100, 200, 300]);

  const second = (await history(player)).history[1]!;
  const since = await history(player, `since=${encodeURIComponent(second.applied_time)}`);
  expect(since.history.map((change) => change.seq)).toEqual([2, 3]);

  const bad = await h.server('GET', `/v1/players/${player}/history?cursor=x&since=2026-01-01T00:00:00`);
  expect(bad.status).toBe(422);
});

it("is the player's own through /v1/me/history, and only theirs", async () => {
  const [player, other] = [newPlayer(), newPlayer()];
  await h.submit({ player_uuid: player, entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }] });
  await h.submit({ player_uuid: other, entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 2 }] });
  const token = await playerToken(h.config.PLAYER_JWT_SECRET, player);
  const own = await h.request('GET', '/v1/me/history', { headers: { authorization: `Bearer ${token}` } });
  expect(own.status).toBe(200);
  expect(own.body).toEqual(await history(player));
  const asPlayer = await h.request('GET', `/v1/players/${other}/history`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(asPlayer.status).toBe(403);
});

it("reads one player's history through their own key, never other players' rows", async () => {
  const player = newPlayer();
  await h.submit({ player_uuid: player, entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }] });
  // A table this small may be read whole by a sequential scan; the plan without one shows the key
  // the read goes through: the player's own rows of (player_uuid, seq), and nothing else.
  const plan = await h.orm.em.fork().transactional(async (tx) => {
    await tx.execute('set local enable_seqscan = off');
    const rows = await tx.execute<{ 'QUERY PLAN': string }[]>(
      `explain select * from inventory_change where player_uuid = ? and seq >= 1 order by seq limit 51`,
      [player],
    );
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  });
  expect(plan).toMatch(/Index Scan using inventory_change_pkey/);
  expect(plan).toMatch(/Index Cond: \(\(player_uuid = '[0-9a-f-]+'::uuid\) AND \(seq >= 1\)\)/);
  expect(plan).not.toMatch(/Filter/);
});
