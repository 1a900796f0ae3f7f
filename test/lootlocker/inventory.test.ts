import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { expectLootLockerError, lootLockerCaller, startSession } from '../helpers/lootlocker.js';

/**
 * LootLocker's server API under /lootlocker, spoken as LootLocker's wire format (x-server-key,
 * x-auth-token, LL-Version, snake-case bodies, its error body), against the real service: each
 * write is a transactional order on the engine.
 */

const SWORD = 10;
const SHIELD = 11;
const HELMET = 12;

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness({
    catalog: {
      items: [
        { id: SWORD, name: 'Sword' },
        { id: SHIELD, name: 'Shield', unique: true },
        { id: HELMET, name: 'Helmet' },
      ],
    },
  });
  token = (await session()).body.token;
});
afterAll(() => h.close());

const session = (key?: string) => startSession(h, key);
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  lootLockerCaller(h, () => token)(method, path, body, headers);
const expectError = expectLootLockerError;
const instances = async (player: string, query = '') => {
  const response = await call('GET', `/player/${player}/inventory${query}`);
  expect(response.status).toBe(200);
  return response.body as { total: number; items: { instance_id: number; asset: { id: number } }[] };
};

describe('sessions', () => {
  it('start with the server key only; every call needs a live x-auth-token', async () => {
    expectError(await session('wrong'), 401, 'unauthorized');
    expectError(await h.request('POST', '/lootlocker/server/session', { body: {} }), 401, 'unauthorized');
    expectError(
      await call('GET', `/player/1/inventory`, undefined, { 'x-auth-token': '' }),
      401,
      'unauthorized',
    );
    expectError(
      await call('GET', `/player/1/inventory`, undefined, { 'x-auth-token': 'made-up' }),
      401,
      'unauthorized',
    );
    expect((await call('GET', '/ping')).body).toEqual({ pong: expect.any(String) });
  });

  it('lapse an hour after their start or last ping; a ping extends a live one, not a lapsed one', async () => {
    const own = (await session()).body.token as string;
    const ping = () => call('GET', '/ping', undefined, { 'x-auth-token': own });
    await h.sql(`update loot_locker_session set expires_at = clock_timestamp() + interval '1 minute'`);
    expect((await ping()).status).toBe(200);
    const [row] = await h.sql<{ minutes: number }>(
      `select extract(epoch from max(expires_at) - clock_timestamp()) / 60 as minutes from loot_locker_session`,
    );
    expect(Number(row!.minutes)).toBeGreaterThan(59);
    await h.sql(`update loot_locker_session set expires_at = clock_timestamp() - interval '1 second'`);
    expectError(await ping(), 401, 'unauthorized');
    expectError(
      await call('GET', '/player/1/inventory', undefined, { 'x-auth-token': own }),
      401,
      'unauthorized',
    );
    token = (await session()).body.token;
  });
});

describe('player inventory', () => {
  it('grants one instance per add, lists them with total and count/after paging, by integer or ulid player id', async () => {
    for (const player of ['4242', '01HZX3V5Q8K9Y7M2N4P6R8T0VW']) {
      const add = await call('POST', `/player/${player}/inventory`, { asset_id: SWORD });
      expect(add.status).toBe(200);
      expect(add.body.items).toEqual([
        expect.objectContaining({
          instance_id: expect.any(Number),
          variation_id: null,
          asset: expect.objectContaining({ id: SWORD, name: 'Sword', uuid: null }),
        }),
      ]);
      await call('POST', `/player/${player}/inventory`, { asset_id: SWORD });
      await call('POST', `/player/${player}/inventory`, { asset_id: HELMET });
      const all = await instances(player);
      expect(all.total).toBe(3);
      expect(all.items.map((item) => item.asset.id)).toEqual([SWORD, SWORD, HELMET]);
      const first = await instances(player, '?count=2');
      expect(first.items).toHaveLength(2);
      const rest = await instances(player, `?count=2&after=${first.items[1]!.instance_id}`);
      expect(rest.items.map((item) => item.asset.id)).toEqual([HELMET]);
      expect(rest.total).toBe(3);
    }
  });

  it('is visible as orders of the player, source SYSTEM, made by the LootLocker call', async () => {
    const player = newPlayer();
    await call('POST', `/player/${player}/inventory`, { asset_id: SWORD });
    const orders = await h.server('GET', `/v1/players/${player}/orders`);
    expect(orders.body.orders).toEqual([
      expect.objectContaining({
        source: 'SYSTEM',
        origin: 'lootlocker:AddAssetToPlayerInventory',
        status: 'succeeded',
      }),
    ]);
  });

  it('alters all or nothing: a removal of an instance the player does not hold changes nothing', async () => {
    const player = newPlayer();
    const sword = (await call('POST', `/player/${player}/inventory`, { asset_id: SWORD })).body.items[0]
      .instance_id;
    const alter = await call('PATCH', `/player/${player}/inventory`, {
      add: [{ asset_id: HELMET }],
      remove: [sword],
    });
    expect(alter.status).toBe(200);
    expect(alter.body).toEqual({ added: [expect.objectContaining({ id: HELMET })], removed: [sword] });
    expect((await instances(player)).items.map((item) => item.asset.id)).toEqual([HELMET]);

    const failing = await call('PATCH', `/player/${player}/inventory`, {
      add: [{ asset_id: SWORD }],
      remove: [sword],
    });
    expectError(failing, 404, 'not_found');
    expect((await instances(player)).items.map((item) => item.asset.id)).toEqual([HELMET]);
  });

  it('refuses unknown assets, bad bodies, bad ids and unknown routes in LootLocker terms, storing nothing', async () => {
    const player = newPlayer();
    expectError(await call('POST', `/player/${player}/inventory`, { asset_id: 999 }), 404, 'not_found');
    expectError(await call('POST', `/player/${player}/inventory`, { asset_id: 'sword' }), 400, 'bad_request');
    expectError(await call('PATCH', `/player/${player}/inventory`, {}), 400, 'bad_request');
    expectError(await call('GET', `/player/not-an-id!/inventory`), 400, 'bad_request');
    expectError(await call('GET', `/player/${player}/inventory?count=201`), 400, 'bad_request');
    const malformed = await h.request('POST', `/lootlocker/server/player/${player}/inventory`, {
      rawBody: '{"asset_id":',
      headers: { 'x-auth-token': token },
    });
    expectError(malformed, 400, 'bad_request');
    expectError(await call('GET', '/no/such/route'), 404, 'not_found');
    expect(await h.orderCount(player)).toBe(0);
  });
});
