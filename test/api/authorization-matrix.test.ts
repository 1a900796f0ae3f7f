import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEM_GRANT, grantGems } from '../helpers/catalog-fixture.js';
import { playerToken, webhookSignature } from '../helpers/credentials.js';
import { ADMIN_KEY, newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Every caller kind against every endpoint, with the exact status, and nothing changed wherever
 * access was refused.
 */

const SECRETS = { steam: 'matrix-steam', psn: 'matrix-psn', xbox: 'matrix-xbox' } as const;
const PLAYER_SECRET = 'matrix-player-secret';

let h: Harness;
const playerA = newPlayer();
const playerB = newPlayer();
let orderOfA: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      PLAYER_JWT_SECRET: PLAYER_SECRET,
      WEBHOOK_SECRET_STEAM: SECRETS.steam,
      WEBHOOK_SECRET_PSN: SECRETS.psn,
      WEBHOOK_SECRET_XBOX: SECRETS.xbox,
    },
    catalog: baseCatalog,
  });
  const placed = await h.submit(grantGems(playerA));
  expect(placed.status).toBe(200);
  orderOfA = placed.body.order_id;
});
afterAll(() => h.close());

type Caller = 'none' | 'bad key' | 'server' | 'admin' | 'player A' | 'player B' | 'steam' | 'psn' | 'xbox';
const CALLERS: Caller[] = [
  'none',
  'bad key',
  'server',
  'admin',
  'player A',
  'player B',
  'steam',
  'psn',
  'xbox',
];

interface Endpoint {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  /** The expected status for each caller; every caller not named gets 401. */
  expect: Partial<Record<Caller, number>>;
  /** Whether a success here changes state (so a refusal must be checked to change nothing). */
  writes: boolean;
}

const order = () => ({ ...grantGems(playerA), order_id: `matrix-${randomUUID()}` });
const webhookOrder = () => ({ ...grantGems(playerA), order_id: `matrix-hook-${randomUUID()}` });

const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET catalog',
    method: 'GET',
    path: () => '/v1/admin/catalog',
    expect: { server: 403, admin: 200, 'player A': 403, 'player B': 403 },
    writes: false,
  },
  {
    name: 'PUT catalog',
    method: 'PUT',
    path: () => '/v1/admin/catalog',
    body: () => ({ items: [{ id: 9900, name: 'Matrix item' }] }),
    expect: { server: 403, admin: 200, 'player A': 403, 'player B': 403 },
    writes: true,
  },
  {
    name: 'POST order',
    method: 'POST',
    path: () => '/v1/orders',
    body: order,
    expect: { server: 202, admin: 202, 'player A': 403, 'player B': 403 },
    writes: true,
  },
  {
    name: 'GET order',
    method: 'GET',
    path: () => `/v1/orders/${orderOfA}`,
    expect: { server: 200, admin: 200, 'player A': 403, 'player B': 403 },
    writes: false,
  },
  {
    name: 'GET player inventory',
    method: 'GET',
    path: () => `/v1/players/${playerA}/inventory`,
    expect: { server: 200, admin: 200, 'player A': 403, 'player B': 403 },
    writes: false,
  },
  {
    name: 'GET player orders',
    method: 'GET',
    path: () => `/v1/players/${playerA}/orders`,
    expect: { server: 200, admin: 200, 'player A': 403, 'player B': 403 },
    writes: false,
  },
  {
    name: 'GET my inventory',
    method: 'GET',
    path: () => '/v1/me/inventory',
    expect: { server: 403, admin: 403, 'player A': 200, 'player B': 200 },
    writes: false,
  },
  {
    name: 'POST my order',
    method: 'POST',
    path: () => '/v1/me/orders',
    body: () => ({
      client_order_ref_id: `matrix-me-${randomUUID()}`,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    }),
    expect: { server: 403, admin: 403, 'player A': 202, 'player B': 202 },
    writes: true,
  },
  {
    name: "GET A's order as me",
    method: 'GET',
    path: () => `/v1/me/orders/${orderOfA}`,
    expect: { server: 403, admin: 403, 'player A': 200, 'player B': 404 },
    writes: false,
  },
  {
    name: 'PUT my inventory (Modify Many)',
    method: 'PUT',
    path: () => '/inventory/v2/player/me/inventory',
    body: () => ({ inventory: [{ inventory_id: randomUUID(), custom_data: { k: 'v' } }] }),
    expect: { server: 403, admin: 403, 'player A': 202, 'player B': 202 },
    writes: true,
  },
  {
    name: 'steam webhook',
    method: 'POST',
    path: () => '/v1/webhooks/steam',
    body: webhookOrder,
    expect: { steam: 202 },
    writes: true,
  },
  {
    name: 'psn webhook',
    method: 'POST',
    path: () => '/v1/webhooks/psn',
    body: webhookOrder,
    expect: { psn: 202 },
    writes: true,
  },
  {
    name: 'xbox webhook',
    method: 'POST',
    path: () => '/v1/webhooks/xbox',
    body: webhookOrder,
    expect: { xbox: 202 },
    writes: true,
  },
];

async function headersFor(caller: Caller, rawBody: string): Promise<Record<string, string>> {
  switch (caller) {
    case 'none':
      return {};
    case 'bad key':
      return { authorization: 'Bearer not-a-key' };
    case 'server':
      return { authorization: `Bearer ${SERVER_KEY}` };
    case 'admin':
      return { authorization: `Bearer ${ADMIN_KEY}` };
    case 'player A':
      return { authorization: `Bearer ${await playerToken(PLAYER_SECRET, playerA)}` };
    case 'player B':
      return { authorization: `Bearer ${await playerToken(PLAYER_SECRET, playerB)}` };
    default:
      return { 'x-armory-signature': webhookSignature(SECRETS[caller], rawBody) };
  }
}

/** What a refused request must leave alone: every order and the catalog. */
async function snapshot() {
  const [orders] = await h.sql<{ n: number }>('select count(*)::int as n from player_order');
  const catalog = await h.admin('GET', '/v1/admin/catalog');
  return { orders: orders!.n, catalog: catalog.body };
}

describe('authorization matrix', () => {
  for (const endpoint of ENDPOINTS) {
    for (const caller of CALLERS) {
      const expected = endpoint.expect[caller] ?? 401;
      it(`${endpoint.name} as ${caller} → ${expected}`, async () => {
        const rawBody = endpoint.body ? JSON.stringify(endpoint.body()) : undefined;
        const before = endpoint.writes && expected >= 400 ? await snapshot() : null;
        const response = await h.request(endpoint.method, endpoint.path(), {
          rawBody,
          headers: await headersFor(caller, rawBody ?? ''),
        });
        expect(response.status).toBe(expected);
        if (expected === 401 || expected === 403) {
          expect(response.body.auth_success).toBe(expected === 403);
          expect(typeof response.body.error_code).toBe('string');
        }
        if (before) expect(await snapshot()).toEqual(before);
      });
    }
  }
});
