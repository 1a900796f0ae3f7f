import { afterAll, beforeAll, expect, it } from 'vitest';
import { playerToken } from '../helpers/credentials.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

const SECRET = 'rate-limit-secret';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    worker: false,
    env: { PLAYER_JWT_SECRET: SECRET, PLAYER_RATE_LIMIT_PER_MINUTE: '5' },
  });
});
afterAll(() => h.close());

it('a player client over its per-minute limit gets 429 with Retry-After; other players and servers do not', async () => {
  const read = async (player: string) =>
    h.request('GET', '/v1/me/inventory', {
      headers: { authorization: `Bearer ${await playerToken(SECRET, player)}` },
    });
  const player = newPlayer();
  for (let i = 0; i < 5; i++) expect((await read(player)).status).toBe(200);

  const limited = await read(player);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.body).toEqual({ error_code: 'too_many_requests', desc: expect.any(String) });

  expect((await read(newPlayer())).status).toBe(200);
  expect((await h.server('GET', `/v1/players/${player}/inventory`)).status).toBe(200);
});

it('counts a player token on the PlayFab API toward the same limit, refused in PlayFab terms; a title token is not limited', async () => {
  const player = newPlayer();
  const token = await playerToken(SECRET, player);
  const playFabRead = () =>
    h.request('POST', '/playfab/Inventory/GetInventoryItems', {
      body: {},
      headers: { 'X-EntityToken': token },
    });
  for (let i = 0; i < 3; i++) expect((await playFabRead()).status).toBe(200);
  for (let i = 0; i < 2; i++) {
    const native = await h.request('GET', '/v1/me/inventory', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(native.status).toBe(200);
  }
  const limited = await playFabRead();
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.body).toMatchObject({
    code: 429,
    error: 'APIClientRequestRateLimitExceeded',
    errorCode: 1199,
  });

  const title = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
    body: {},
    headers: { 'X-SecretKey': h.config.SERVER_API_KEY },
  });
  for (let i = 0; i < 7; i++) {
    const read = await h.request('POST', '/playfab/Inventory/GetInventoryItems', {
      body: { Entity: { Type: 'title_player_account', Id: player } },
      headers: { 'X-EntityToken': title.body.data.EntityToken },
    });
    expect(read.status).toBe(200);
  }
});
