import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi } from '../../src/api/api-role.js';
import { createLogger } from '../../src/logger.js';
import { playerToken } from '../helpers/credentials.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';
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

it('is one limit for the fleet: requests spread over two API processes count together', async () => {
  const second = await startApi(h.config, h.orm, createLogger('silent', 'armory-test'), 0);
  try {
    const player = newPlayer();
    const token = await playerToken(SECRET, player);
    const read = (port: number) =>
      fetch(`http://127.0.0.1:${port}/v1/me/inventory`, { headers: { authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await read(i % 2 === 0 ? h.api.port : second.port)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  } finally {
    await second.close();
  }
});

it('lets player requests through, unlimited, while Redis cannot count them, and counts again once it can', async () => {
  const proxy = new TcpProxy('127.0.0.1', 6379);
  await proxy.start();
  const api = await startApi(
    { ...h.config, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    h.orm,
    createLogger('silent', 'armory-test'),
    0,
  );
  try {
    const player = newPlayer();
    const token = await playerToken(SECRET, player);
    const read = async () =>
      (
        await fetch(`http://127.0.0.1:${api.port}/v1/me/inventory`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    expect(await read()).toBe(200);
    await proxy.cut();
    for (let i = 0; i < 7; i++) expect(await read()).toBe(200);
    await proxy.restore();
    await until(async () => (await read()) === 429, 'the limit to count again');
  } finally {
    await api.close();
    await proxy.stop();
  }
});
