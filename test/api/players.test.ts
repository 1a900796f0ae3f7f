import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { playerToken } from '../helpers/credentials.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BADGE, baseCatalog, GEM_GRANT, GEMS, grantGems, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness, type TestResponse } from '../helpers/harness.js';
import { results } from '../helpers/orders.js';
import { expectAuthError, expectNoLeak } from '../helpers/responses.js';

/**
 * Contract sections 2 and 6: the player client. A player authenticates with an HS256 JWT whose `sub`
 * is its uuid; it may use /v1/me/... and Modify Many, always as source CLIENT, and never
 * another player's data. Catalog ids here are 4000+.
 */

const PLAYER_SECRET = 'test-player-secret-for-players-test';
const CLIENT_LOOT = 4001; // fillable_from_client
const CLIENT_GEMS = 10;

let h: Harness;
let secret: Uint8Array;
beforeAll(async () => {
  h = await startHarness({ env: { PLAYER_JWT_SECRET: PLAYER_SECRET }, catalog: baseCatalog });
  secret = new TextEncoder().encode(PLAYER_SECRET);
  expect(
    (
      await h.putCatalog({
        loot: [
          {
            id: CLIENT_LOOT,
            name: 'Daily client gems',
            fillable_from_client: true,
            contents: [{ item_id: GEMS, quantity: CLIENT_GEMS }],
          },
        ],
      })
    ).status,
  ).toBe(200);
});
afterAll(() => h.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A valid player token for `player`, signed as the service expects. */
const tokenFor = (player: string) => playerToken(PLAYER_SECRET, player);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A request as a player client holding `token`. */
function asPlayer(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return h.request(method, path, { body, headers: { ...bearer(token), ...headers } });
}

/** A player with its own token. */
async function newClient(): Promise<{ player: string; token: string }> {
  const player = newPlayer();
  return { player, token: await tokenFor(player) };
}

const ordersOf = (player: string) => h.orderCount(player);

/** The final state of one of `token`'s orders, read back through /v1/me. */
async function finalOrder(token: string, orderId: string): Promise<any> {
  let response: TestResponse;
  do {
    response = await asPlayer(token, 'GET', `/v1/me/orders/${orderId}`, undefined, { prefer: 'wait=20' });
  } while (response.status === 202);
  expect(response.status).toBe(200);
  return response.body;
}

/** Gives `player` one persistent record through the server, returning it. */
async function giveRecord(
  player: string,
  fields: { item_id?: number; quantity?: number; custom_data?: Record<string, string> } = {},
) {
  const submitted = await h.submit({
    player_uuid: player,
    entries: [
      {
        type: 'create_new_persistent_inventory',
        item_id: fields.item_id ?? SWORD,
        quantity: fields.quantity ?? 3,
        custom_data: fields.custom_data ?? { color: 'red' },
      },
    ],
  });
  expect(submitted.status).toBe(200);
  expect(results(submitted.body)).toEqual(['success']);
  const record = (await h.inventory(player, `&item_id=${fields.item_id ?? SWORD}`))[0];
  expect(record).toBeDefined();
  return record!;
}

const modifyMany = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  asPlayer(token, 'PUT', '/inventory/v2/player/me/inventory', body, headers);

describe('player token authentication (401)', () => {
  const badTokens: [string, (player: string) => Promise<string>][] = [
    [
      'a token signed with another secret',
      (player) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(player)
          .setExpirationTime(nowSeconds() + 600)
          .sign(new TextEncoder().encode('not-the-player-secret')),
    ],
    [
      'a token whose payload was changed after signing',
      async (player) => {
        const [header, , signature] = (await tokenFor(newPlayer())).split('.');
        const payload = Buffer.from(JSON.stringify({ sub: player, exp: nowSeconds() + 600 })).toString(
          'base64url',
        );
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      'an expired token',
      (player) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(player)
          .setIssuedAt(nowSeconds() - 3600)
          .setExpirationTime(nowSeconds() - 60)
          .sign(secret),
    ],
    [
      'an unsigned token (alg: none)',
      (player) =>
        Promise.resolve(
          new UnsecuredJWT({})
            .setSubject(player)
            .setExpirationTime(nowSeconds() + 600)
            .encode(),
        ),
    ],
    [
      'a token signed with HS512 and the right secret',
      (player) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS512' })
          .setSubject(player)
          .setExpirationTime(nowSeconds() + 600)
          .sign(secret),
    ],
    [
      'a token signed with RS256',
      async (player) => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({})
          .setProtectedHeader({ alg: 'RS256' })
          .setSubject(player)
          .setExpirationTime(nowSeconds() + 600)
          .sign(privateKey);
      },
    ],
    [
      'a token without sub',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(nowSeconds() + 600)
          .sign(secret),
    ],
    [
      'a token without exp',
      (player) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(player).sign(secret),
    ],
    [
      'a token whose sub is not a uuid',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('player-one')
          .setExpirationTime(nowSeconds() + 600)
          .sign(secret),
    ],
    ['something that is not a JWT', () => Promise.resolve('abc.def.ghi')],
  ];

  it.each(badTokens)('%s is a 401 on every player route and nothing is stored', async (_label, make) => {
    const player = newPlayer();
    const record = await giveRecord(player);
    const inventoryBefore = await h.inventory(player);
    const ordersBefore = await ordersOf(player);
    const token = await make(player);

    expectAuthError(await asPlayer(token, 'GET', '/v1/me/inventory'), 401);
    expectAuthError(await asPlayer(token, 'GET', '/v1/me/orders/some-order'), 401);
    expectAuthError(
      await asPlayer(token, 'POST', '/v1/me/orders', {
        player_uuid: player,
        entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 1 }],
      }),
      401,
    );
    expectAuthError(
      await modifyMany(token, {
        inventory: [{ inventory_id: record.inventory_id, custom_data: { color: 'blue' } }],
      }),
      401,
    );
    expect(await ordersOf(player)).toBe(ordersBefore);
    expect(await h.inventory(player)).toEqual(inventoryBefore);
  });

  it('no credential, or a token in another scheme, is a 401 on the player routes', async () => {
    const token = await tokenFor(newPlayer());
    const noPlayerBearer: Record<string, string>[] = [
      {},
      { authorization: `Basic ${token}` },
      { authorization: 'Bearer ' },
    ];
    for (const headers of noPlayerBearer) {
      expectAuthError(await h.request('GET', '/v1/me/inventory', { headers }), 401);
      expectAuthError(await h.request('PUT', '/inventory/v2/player/me/inventory', { headers }), 401);
    }
  });

  it('an expired token is told apart from a bad one by its error code', async () => {
    const player = newPlayer();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(player)
      .setExpirationTime(nowSeconds() - 60)
      .sign(secret);
    const response = await asPlayer(expired, 'GET', '/v1/me/inventory');
    expectAuthError(response, 401);
    expect(response.body.error_code).toBe('token_expired');
  });
});

describe('routes a credential may not use (403)', () => {
  it('a player token on the server and admin routes is a 403 and changes nothing', async () => {
    const { player, token } = await newClient();
    const own = await h.submit(grantGems(player));
    expect(own.status).toBe(200);
    const catalogBefore = (await h.admin('GET', '/v1/admin/catalog')).body;

    expectAuthError(await asPlayer(token, 'POST', '/v1/orders', grantGems(player)), 403);
    expectAuthError(await asPlayer(token, 'GET', `/v1/orders/${own.body.order_id}`), 403);
    expectAuthError(await asPlayer(token, 'GET', `/v1/players/${player}/inventory`), 403);
    expectAuthError(await asPlayer(token, 'GET', `/v1/players/${player}/orders`), 403);
    expectAuthError(await asPlayer(token, 'GET', '/v1/admin/catalog'), 403);
    expectAuthError(
      await asPlayer(token, 'PUT', '/v1/admin/catalog', { items: [{ id: GEMS, name: 'Free gems' }] }),
      403,
    );

    expect(await ordersOf(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect((await h.admin('GET', '/v1/admin/catalog')).body).toEqual(catalogBefore);
  });

  it.each([
    ['server', (...args: Parameters<Harness['server']>) => h.server(...args)],
    ['admin', (...args: Parameters<Harness['admin']>) => h.admin(...args)],
  ] as const)('the %s key on the player routes is a 403 and changes nothing', async (_label, call) => {
    const { player, token } = await newClient();
    const record = await giveRecord(player);
    const submitted = await asPlayer(token, 'POST', '/v1/me/orders', {
      entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 1 }],
    });
    expect(submitted.status).toBe(202);
    await finalOrder(token, submitted.body.order_id);
    const inventoryBefore = await h.inventory(player);

    expectAuthError(await call('GET', '/v1/me/inventory'), 403);
    expectAuthError(await call('GET', `/v1/me/orders/${submitted.body.order_id}`), 403);
    expectAuthError(
      await call('POST', '/v1/me/orders', {
        player_uuid: player,
        entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 1 }],
      }),
      403,
    );
    expectAuthError(
      await call('PUT', '/inventory/v2/player/me/inventory', {
        inventory: [{ inventory_id: record.inventory_id, custom_data: { color: 'blue' } }],
      }),
      403,
    );

    expect(await ordersOf(player)).toBe(2);
    expect(await h.inventory(player)).toEqual(inventoryBefore);
  });
});

describe('GET /v1/me/inventory', () => {
  it("answers the token's player's inventory, as the server route does", async () => {
    const { player, token } = await newClient();
    const other = newPlayer();
    await h.submit(grantGems(player, 2));
    await giveRecord(player);
    await h.submit(grantGems(other));

    const response = await asPlayer(token, 'GET', '/v1/me/inventory');
    expect(response.status).toBe(200);
    const viaServer = await h.server('GET', `/v1/players/${player}/inventory`);
    expect(response.body).toEqual(viaServer.body);
    expect(response.body.next_cursor).toBeNull();
    const inventory = response.body.inventory as { item_id: number; count: number; type: string }[];
    expect(inventory.map((record) => [record.item_id, record.type, record.count])).toEqual([
      [BADGE, 'always_owned', 1],
      [GEMS, 'persistent', 200],
      [SWORD, 'persistent', 3],
    ]);
  });

  it('takes the same query parameters (filter, limit and cursor)', async () => {
    const { player, token } = await newClient();
    await h.submit(grantGems(player));
    await giveRecord(player);

    const gems = await asPlayer(token, 'GET', `/v1/me/inventory?item_id=${GEMS}`);
    expect(gems.status).toBe(200);
    expect(gems.body.inventory.map((record: { count: number }) => record.count)).toEqual([100]);

    const first = await asPlayer(token, 'GET', '/v1/me/inventory?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.inventory.map((record: { item_id: number }) => record.item_id)).toEqual([BADGE, GEMS]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await asPlayer(
      token,
      'GET',
      `/v1/me/inventory?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.inventory.map((record: { item_id: number }) => record.item_id)).toEqual([SWORD]);
    expect(second.body.next_cursor).toBeNull();

    const bad = await asPlayer(token, 'GET', '/v1/me/inventory?limit=0');
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((item: { loc: unknown }) => item.loc)).toContainEqual(['query', 'limit']);
  });

  it('a player no order has touched has only its always-owned records', async () => {
    const { token } = await newClient();
    const response = await asPlayer(token, 'GET', '/v1/me/inventory');
    expect(response.status).toBe(200);
    expect(response.body.inventory.map((record: { item_id: number }) => record.item_id)).toEqual([BADGE]);
  });
});

describe('POST /v1/me/orders', () => {
  const clientGems = (extra: Record<string, unknown> = {}) => ({
    entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 1 }],
    ...extra,
  });

  it("with player_uuid left out is the token's player's order, 202 then final", async () => {
    const { player, token } = await newClient();
    const response = await asPlayer(token, 'POST', '/v1/me/orders', clientGems());
    expectNoLeak(response);
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('queued');
    expect(response.body.player_uuid).toBe(player);
    expect(response.body.source).toBe('CLIENT');
    expect(results(response.body)).toEqual(['not_started']);
    expect(response.headers.get('location')).toBe(`/v1/me/orders/${response.body.order_id}`);

    const final = await finalOrder(token, response.body.order_id);
    expect(final.status).toBe('succeeded');
    expect(results(final)).toEqual(['success']);
    expect(await h.balance(player, GEMS)).toBe(CLIENT_GEMS);
  });

  it("with the token's own player_uuid (any case) is accepted", async () => {
    const { player, token } = await newClient();
    const response = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      clientGems({ player_uuid: player.toUpperCase() }),
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.player_uuid).toBe(player);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(CLIENT_GEMS);
  });

  it("with another player's uuid is a 403 and nothing is stored for either", async () => {
    const { player, token } = await newClient();
    const victim = newPlayer();
    await h.submit(grantGems(victim));
    const response = await asPlayer(token, 'POST', '/v1/me/orders', clientGems({ player_uuid: victim }), {
      prefer: 'wait=5',
    });
    expectAuthError(response, 403);
    expect(await ordersOf(player)).toBe(0);
    expect(await ordersOf(victim)).toBe(1);
    expect(await h.balance(victim, GEMS)).toBe(100);
    expect(await h.balance(player, GEMS)).toBe(0);
  });

  it('forces source CLIENT: a loot not fillable from the client is refused', async () => {
    const { player, token } = await newClient();
    const response = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      { source: 'SYSTEM', entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }] },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.source).toBe('CLIENT');
    expect(response.body.status).toBe('failed');
    expect(results(response.body)).toEqual(['loot_not_fillable_from_client']);
    expect(await h.inventory(player)).toEqual([expect.objectContaining({ item_id: BADGE })]);
  });

  it('forces source CLIENT: creating inventory is permission_denied', async () => {
    const { player, token } = await newClient();
    const response = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      {
        source: 'SUPPORT',
        entries: [{ type: 'create_new_persistent_inventory', item_id: GEMS, quantity: 1000 }],
      },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.source).toBe('CLIENT');
    expect(results(response.body)).toEqual(['permission_denied']);
    expect(await h.balance(player, GEMS)).toBe(0);
    expect(await h.inventory(player)).toHaveLength(1); // the always-owned badge only
  });

  it('is idempotent as POST /v1/orders is: replay 200, other body 409, applied once', async () => {
    const { player, token } = await newClient();
    const order = clientGems({ client_order_ref_id: 'daily-1' });
    const first = await asPlayer(token, 'POST', '/v1/me/orders', order, { prefer: 'wait=20' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');

    const replay = await asPlayer(token, 'POST', '/v1/me/orders', order);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.order_id).toBe(first.body.order_id);

    // Spelling out the player the token already names is the same request.
    const explicit = await asPlayer(token, 'POST', '/v1/me/orders', { ...order, player_uuid: player });
    expect(explicit.status).toBe(200);
    expect(explicit.body.order_id).toBe(first.body.order_id);

    const conflict = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      clientGems({ client_order_ref_id: 'daily-1', is_transaction: true }),
    );
    expectNoLeak(conflict);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error_code).toBe('idempotency_conflict');

    expect(await ordersOf(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(CLIENT_GEMS);
  });

  it('may not choose order_id: a 422, so a future platform or server id cannot be squatted', async () => {
    const { player, token } = await newClient();
    const future = `evt-${newPlayer()}`;
    const squat = await asPlayer(token, 'POST', '/v1/me/orders', clientGems({ order_id: future }));
    expectNoLeak(squat);
    expect(squat.status).toBe(422);
    expect(squat.body.detail.map((item: { loc: unknown }) => item.loc)).toEqual([['body', 'order_id']]);
    expect(await ordersOf(player)).toBe(0);

    // The id stays free for the game server (or the platform) that will need it.
    const later = await h.submit({ ...grantGems(player), order_id: future });
    expect(later.status).toBe(200);
    expect(later.body.status).toBe('succeeded');
  });

  it('cannot squat the client_order_ref_id a game server will send: each keeps its own', async () => {
    const { player, token } = await newClient();
    // The reference a game server will use for this player's entry fee, guessed and taken first.
    const squat = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      clientGems({ client_order_ref_id: 'match-9-fee' }),
      {
        prefer: 'wait=20',
      },
    );
    expect(squat.status).toBe(200);

    const server = await h.submit({ ...grantGems(player), client_order_ref_id: 'match-9-fee' });
    expect(server.status).toBe(200);
    expect(server.headers.get('idempotent-replayed')).toBeNull();
    expect(server.body.status).toBe('succeeded');
    expect(server.body.order_id).not.toBe(squat.body.order_id);
    // Each caller's retry is still a replay of its own order.
    const serverAgain = await h.server('POST', '/v1/orders', {
      ...grantGems(player),
      client_order_ref_id: 'match-9-fee',
    });
    expect([serverAgain.status, serverAgain.body.order_id]).toEqual([200, server.body.order_id]);
    const clientAgain = await asPlayer(
      token,
      'POST',
      '/v1/me/orders',
      clientGems({ client_order_ref_id: 'match-9-fee' }),
    );
    expect([clientAgain.status, clientAgain.body.order_id]).toEqual([200, squat.body.order_id]);
    expect(await ordersOf(player)).toBe(2);
  });

  it("cannot tell whether another player's order exists: the same answer as for no order at all", async () => {
    const a = await newClient();
    const b = await newClient();
    const first = await asPlayer(
      a.token,
      'POST',
      '/v1/me/orders',
      clientGems({ client_order_ref_id: 'daily-7' }),
      {
        prefer: 'wait=20',
      },
    );
    expect(first.status).toBe(200);
    const existing = first.body.order_id as string;

    // By order_id: refused before anything is looked up, whether it exists or not.
    const onExisting = await asPlayer(b.token, 'POST', '/v1/me/orders', clientGems({ order_id: existing }));
    const onMissing = await asPlayer(
      b.token,
      'POST',
      '/v1/me/orders',
      clientGems({ order_id: `x${existing}` }),
    );
    expect([onExisting.status, onExisting.body]).toEqual([onMissing.status, onMissing.body]);
    expect(onExisting.status).toBe(422);
    // By reading it: 404, as for an order that does not exist.
    const read = await asPlayer(b.token, 'GET', `/v1/me/orders/${existing}`);
    const readMissing = await asPlayer(b.token, 'GET', `/v1/me/orders/x${existing}`);
    expect([read.status, read.body.error_code]).toEqual([404, 'order_not_found']);
    expect([readMissing.status, readMissing.body.error_code]).toEqual([404, 'order_not_found']);
    // By client_order_ref_id: per player, so the same key is simply B's own new order.
    const sameRef = await asPlayer(
      b.token,
      'POST',
      '/v1/me/orders',
      clientGems({ client_order_ref_id: 'daily-7' }),
    );
    expect(sameRef.status).toBe(202);
    expect(sameRef.body.order_id).not.toBe(existing);

    expect(await ordersOf(b.player)).toBe(1);
    expect(await ordersOf(a.player)).toBe(1);
  });

  it('a malformed order is a 422 at its loc and nothing is stored', async () => {
    const { player, token } = await newClient();
    const response = await asPlayer(token, 'POST', '/v1/me/orders', {
      entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT }],
    });
    expectNoLeak(response);
    expect(response.status).toBe(422);
    expect(response.body.detail.map((item: { loc: unknown }) => item.loc)).toContainEqual([
      'body',
      'entries',
      0,
      'quantity',
    ]);
    expect(await ordersOf(player)).toBe(0);
  });
});

describe('GET /v1/me/orders/{order_id}', () => {
  it("answers the token's player's order, with Prefer: wait", async () => {
    const { player, token } = await newClient();
    const submitted = await asPlayer(token, 'POST', '/v1/me/orders', {
      entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 2 }],
    });
    expect(submitted.status).toBe(202);
    const waited = await asPlayer(token, 'GET', `/v1/me/orders/${submitted.body.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(waited.status).toBe(200);
    expect(waited.headers.get('preference-applied')).toBe('wait=20');
    expect(waited.body.status).toBe('succeeded');
    expect(waited.body.player_uuid).toBe(player);

    const plain = await asPlayer(token, 'GET', `/v1/me/orders/${submitted.body.order_id}`);
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual(waited.body);
    expect(await h.balance(player, GEMS)).toBe(2 * CLIENT_GEMS);
  });

  it('an order the server submitted for this player is visible to it', async () => {
    const { player, token } = await newClient();
    const submitted = await h.submit(grantGems(player));
    const response = await asPlayer(token, 'GET', `/v1/me/orders/${submitted.body.order_id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual((await h.server('GET', `/v1/orders/${submitted.body.order_id}`)).body);
  });

  it("another player's order is a 404 exactly like an unknown id", async () => {
    const a = await newClient();
    const b = await newClient();
    const submitted = await asPlayer(
      a.token,
      'POST',
      '/v1/me/orders',
      { entries: [{ type: 'fill_loot', loot_id: CLIENT_LOOT, quantity: 1 }] },
      { prefer: 'wait=20' },
    );
    expect(submitted.status).toBe(200);
    const orderId = submitted.body.order_id as string;
    const unknownId = `x${orderId.slice(1)}`;

    const preferences: Record<string, string>[] = [{}, { prefer: 'wait=1' }];
    for (const prefer of preferences) {
      const theirs = await asPlayer(b.token, 'GET', `/v1/me/orders/${orderId}`, undefined, prefer);
      const unknown = await asPlayer(b.token, 'GET', `/v1/me/orders/${unknownId}`, undefined, prefer);
      expect(theirs.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(theirs.body).toEqual({ error_code: 'order_not_found', desc: `no order ${orderId}` });
      expect(unknown.body).toEqual({ error_code: 'order_not_found', desc: `no order ${unknownId}` });
      expect([...theirs.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    }
    expect(await h.balance(a.player, GEMS)).toBe(CLIENT_GEMS);
    expect(await h.balance(b.player, GEMS)).toBe(0);
  });
});

describe('PUT /inventory/v2/player/me/inventory (Modify Many)', () => {
  it('changes custom_data of an own record, leaving the count as it is', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player, { quantity: 3, custom_data: { color: 'red' } });

    const response = await modifyMany(token, {
      inventory: [{ inventory_id: record.inventory_id, custom_data: { color: 'blue', pattern: 'stripes' } }],
    });
    expectNoLeak(response);
    expect(response.status).toBe(202);
    expect(response.body.source).toBe('CLIENT');
    expect(response.body.player_uuid).toBe(player);
    expect(response.headers.get('location')).toBe(`/v1/me/orders/${response.body.order_id}`);
    expect(response.body.entries).toEqual([
      expect.objectContaining({
        type: 'update_inventory',
        inventory_id: record.inventory_id,
        result: 'not_started',
      }),
    ]);
    expect(response.body.entries[0]).not.toHaveProperty('quantity');

    const final = await finalOrder(token, response.body.order_id);
    expect(final.status).toBe('succeeded');
    expect(results(final)).toEqual(['success']);
    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([
      { ...record, custom_data: { color: 'blue', pattern: 'stripes' } },
    ]);
  });

  it('a count left out is not defaulted to 1 (nothing else sent either)', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player, { quantity: 7 });
    const response = await modifyMany(
      token,
      { source: 'SUPPORT', inventory: [{ inventory_id: record.inventory_id }] },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.source).toBe('CLIENT');
    expect(results(response.body)).toEqual(['success']);
    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([record]);
    expect(record.count).toBe(7);
  });

  it('a count change is permission_denied and the record is unchanged', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player, { quantity: 3 });
    const response = await modifyMany(
      token,
      { inventory: [{ inventory_id: record.inventory_id, count: 99, custom_data: { color: 'gold' } }] },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('failed');
    expect(results(response.body)).toEqual(['permission_denied']);
    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([record]);
  });

  it('an item_id or expires change is permission_denied too', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player);
    const response = await modifyMany(
      token,
      {
        inventory: [
          { inventory_id: record.inventory_id, item_id: GEMS },
          { inventory_id: record.inventory_id, expires: '2099-01-01T00:00:00Z' },
        ],
      },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(results(response.body)).toEqual(['permission_denied', 'permission_denied']);
    expect(await h.inventory(player)).toEqual([expect.objectContaining({ item_id: BADGE }), record]);
  });

  it("another player's record is inventory_not_found and stays as it was", async () => {
    const { player, token } = await newClient();
    const victim = newPlayer();
    const theirs = await giveRecord(victim, { custom_data: { owner: 'victim' } });
    const response = await modifyMany(
      token,
      { inventory: [{ inventory_id: theirs.inventory_id, custom_data: { owner: 'thief' } }] },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.body.player_uuid).toBe(player);
    expect(results(response.body)).toEqual(['inventory_not_found']);
    expect(await h.inventory(victim, `&item_id=${SWORD}`)).toEqual([theirs]);
    expect(await h.inventory(player)).toEqual([expect.objectContaining({ item_id: BADGE })]);
  });

  it('with Prefer: wait answers 200 with the final order; entries stand alone', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player, { quantity: 3, custom_data: { color: 'red' } });
    const response = await modifyMany(
      token,
      {
        client_order_ref_id: 'modify-1',
        inventory: [
          { inventory_id: record.inventory_id, count: 3, custom_data: { color: 'green' } },
          { inventory_id: record.inventory_id, count: 1 },
        ],
      },
      { prefer: 'wait=20' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('wait=20');
    expect(response.body.status).toBe('partially_succeeded');
    expect(response.body.client_order_ref_id).toBe('modify-1');
    expect(response.body.completed_time).not.toBeNull();
    // A count equal to the record's is no change, so the first entry is allowed.
    expect(results(response.body)).toEqual(['success', 'permission_denied']);
    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([
      { ...record, custom_data: { color: 'green' } },
    ]);

    const replay = await modifyMany(token, {
      client_order_ref_id: 'modify-1',
      inventory: [
        { inventory_id: record.inventory_id, count: 3, custom_data: { color: 'green' } },
        { inventory_id: record.inventory_id, count: 1 },
      ],
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.order_id).toBe(response.body.order_id);
    expect(await ordersOf(player)).toBe(2);
  });

  it('a request without inventory_id, or with no records, is a 422 and nothing is stored', async () => {
    const { player, token } = await newClient();
    const record = await giveRecord(player);
    const missing = await modifyMany(token, { inventory: [{ count: 1, custom_data: { a: 'b' } }] });
    expect(missing.status).toBe(422);
    expect(missing.body.detail.map((item: { loc: unknown }) => item.loc)).toContainEqual([
      'body',
      'inventory',
      0,
      'inventory_id',
    ]);
    const empty = await modifyMany(token, { inventory: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.detail.map((item: { loc: unknown }) => item.loc)).toContainEqual(['body', 'inventory']);
    expect(await ordersOf(player)).toBe(1);
    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([record]);
  });
});
