import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { orderCreateSchema } from '../../src/domain/order.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { playerToken } from '../helpers/credentials.js';
import { ADMIN_KEY, newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';

const run = promisify(execFile);

let h: Harness;
let document: any;

beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
  const response = await h.request('GET', '/openapi.json');
  expect(response.status).toBe(200);
  document = response.body;
});
afterAll(() => h.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the served document, as `GET /v1/orders/{order_id}`. */
function documentedOperations(): string[] {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, operations]) =>
      Object.keys(operations)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** A concrete URL for a documented path: path parameters filled with values of the right shape. */
const concrete = (path: string) =>
  path
    .replace('{order_id}', 'no-such-order')
    .replace('{player_uuid}', randomUUID())
    .replace('{platform}', 'steam');

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route of the API', () => {
    const documented = documentedOperations();
    for (const required of [
      'GET /v1/admin/catalog',
      'PUT /v1/admin/catalog',
      'POST /v1/orders',
      'GET /v1/orders/{order_id}',
      'GET /v1/players/{player_uuid}/inventory',
      'GET /v1/players/{player_uuid}/orders',
      'GET /v1/me/inventory',
      'POST /v1/me/orders',
      'GET /v1/me/orders/{order_id}',
      'PUT /inventory/v2/player/me/inventory',
      'POST /v1/webhooks/{platform}',
      'GET /v1/admin/orders',
      'POST /v1/admin/orders/{order_id}/retry',
      'POST /v1/admin/orders/retry',
      'GET /v1/admin/queue',
      'GET /admin/queues',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /openapi.json',
      'GET /docs',
    ]) {
      expect(documented).toContain(required);
    }
  });

  it('every documented route is reached (no unknown-route 404), even without a credential', async () => {
    for (const operation of documentedOperations()) {
      const [method, path] = operation.split(' ') as [string, string];
      const response = await h.request(method, concrete(path));
      expect({ operation, error_code: response.body?.error_code }).not.toEqual({
        operation,
        error_code: 'not_found',
      });
    }
  });

  it('documents request bodies with the schemas that validate them', () => {
    const order = document.components.schemas.PlayerOrderCreate;
    expect(order.required).toEqual(expect.arrayContaining(['player_uuid', 'entries']));
    expect(order.properties.entries.maxItems).toBe(100);
    expect(order.properties.order_id.anyOf[0].pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
    // The catalog refuses unknown fields; orders ignore them.
    expect(document.components.schemas.CatalogUpdate.additionalProperties).toBe(false);
    // Requests are documented as sent, responses as answered: a defaulted field is optional in the
    // one and always there in the other.
    const requestItem = document.components.schemas.CatalogUpdate.properties.items.items;
    expect(requestItem.required).toEqual(['id', 'name']);
    const answeredItem = document.components.schemas.Catalog.properties.items.items;
    expect(answeredItem.required).toEqual(expect.arrayContaining(['id', 'name', 'active', 'unique']));
    // A player may leave its own uuid out.
    const meBody = document.paths['/v1/me/orders'].post.requestBody.content['application/json'].schema;
    expect(meBody.required).not.toContain('player_uuid');
    expect(meBody.required).toContain('entries');
    // Webhooks require the platform's event id.
    const webhookBody =
      document.paths['/v1/webhooks/{platform}'].post.requestBody.content['application/json'].schema;
    expect(webhookBody.required).toContain('order_id');
    expect(document.paths['/v1/orders'].post.responses['422'].$ref).toBe(
      '#/components/responses/ValidationFailed',
    );
  });

  it('documents the errors each route answers where they happen', () => {
    const responses = (method: string, path: string) => Object.keys(document.paths[path][method].responses);
    // A body may come in an encoding the API does not read; PostgreSQL may be away.
    expect(responses('post', '/v1/orders')).toEqual(expect.arrayContaining(['415', '503']));
    // Only player clients are rate limited, with Retry-After.
    expect(responses('post', '/v1/me/orders')).toContain('429');
    expect(responses('post', '/v1/orders')).not.toContain('429');
    expect(document.components.responses.TooManyRequests.headers['Retry-After']).toBeDefined();
    expect(document.components.responses.Unavailable.headers['Retry-After']).toBeDefined();
    // An unknown platform is an unknown route: 404, not 401.
    expect(responses('post', '/v1/webhooks/{platform}')).toEqual(expect.arrayContaining(['401', '404']));
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('describes the Prefer header with a pattern that accepts what the API accepts', async () => {
    const prefer = document.paths['/v1/orders'].post.parameters.find(
      (p: { name: string }) => p.name === 'Prefer',
    );
    const pattern = new RegExp(prefer.schema.pattern as string);
    for (const value of ['wait=5', 'WAIT=5', 'respond-async, wait=5', 'wait = 30']) {
      expect(pattern.test(value), value).toBe(true);
      const answered = await h.server('GET', '/v1/orders/no-such-order', undefined, { prefer: value });
      expect(answered.status).toBe(404);
    }
    // And the API does wait on each: an order read back with it answers Preference-Applied.
    const order = await h.submit(grantGems(newPlayer()));
    for (const value of ['WAIT=1', 'respond-async, wait=1']) {
      const read = await h.server('GET', `/v1/orders/${order.body.order_id}`, undefined, { prefer: value });
      expect(read.headers.get('preference-applied'), value).toBe('wait=1');
    }
    expect(pattern.test('nowait')).toBe(false);
  });

  it('passes Redocly CLI lint with no error, and only the warnings docs/api.md justifies', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'armory-openapi-'));
    const file = path.join(directory, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const { stdout } = await run(path.resolve('node_modules/.bin/redocly'), ['lint', file, '--format=json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    await rm(directory, { recursive: true });
    const report = JSON.parse(stdout) as {
      totals: { errors: number };
      problems: { ruleId: string; location: { pointer: string }[] }[];
    };
    expect(report.totals.errors).toBe(0);
    const warnings = report.problems.map((problem) => `${problem.ruleId} ${problem.location[0]!.pointer}`);
    // Probes, metrics and the docs take no input and no credential: no 4xx can happen there.
    expect(warnings.sort()).toEqual(
      ['~1', '~1docs', '~1docs~1redoc.standalone.js', '~1healthz', '~1metrics', '~1openapi.json', '~1readyz']
        .map((route) => `operation-4xx-response #/paths/${route}/get/responses`)
        .sort(),
    );
  });
});

/** Every URL a page names in a `src` or `href`: what a browser would load from it. */
const loadedUrls = (html: string) =>
  [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);

describe('/docs', () => {
  it('is the Redoc API reference, at / too, reading /openapi.json, with nothing loaded from elsewhere', async () => {
    for (const page of ['/docs', '/']) {
      const response = await h.request('GET', page);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = response.body as string;
      expect(html).toContain('<redoc spec-url="/openapi.json"');
      expect(loadedUrls(html)).toEqual(['/docs/redoc.standalone.js']);
      expect(html).not.toMatch(/https?:\/\//);
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/https?:|\*/);
    }
  });

  it("serves Redoc's script from its npm package", async () => {
    const response = await h.request('GET', '/docs/redoc.standalone.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const bundle = await readFile(
      createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'),
      'utf8',
    );
    expect(response.body).toBe(bundle);
  });

  it('documents the order submission with an example and the schemas Redoc shows', () => {
    const submit = document.paths['/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(submit).toEqual({ $ref: '#/components/schemas/PlayerOrderCreate' });
    const create = document.components.schemas.PlayerOrderCreate;
    expect(create.examples).toEqual([expect.objectContaining({ order_id: 'match-42-reward' })]);
    expect(orderCreateSchema.safeParse(create.examples[0]).success).toBe(true);
  });
});

describe('every admin route', () => {
  it('answers 403 to the server key (every /v1/admin operation of the document)', async () => {
    const adminOperations = documentedOperations().filter(
      (operation) =>
        operation.split(' ')[1]!.startsWith('/v1/admin/') || operation.endsWith(' /admin/queues'),
    );
    expect(adminOperations.length).toBeGreaterThanOrEqual(7);
    const catalogBefore = await h.admin('GET', '/v1/admin/catalog');
    for (const operation of adminOperations) {
      const [method, path] = operation.split(' ') as [string, string];
      const response = await h.server(method, concrete(path), method === 'GET' ? undefined : {});
      expect({ operation, status: response.status }).toEqual({ operation, status: 403 });
      expect(response.body).toMatchObject({ auth_success: true, error_code: 'forbidden' });
    }
    // Nothing was changed by the refused calls.
    expect((await h.admin('GET', '/v1/admin/catalog')).body).toEqual(catalogBefore.body);
  });
});

describe('GET /v1/admin/queue', () => {
  it('gives the admin the order queue job counts by state', async () => {
    const player = newPlayer();
    const order = await h.submit(grantGems(player));
    expect(order.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);

    // The job is marked completed in Redis just after the order commits in PostgreSQL.
    await vi.waitFor(
      async () => {
        const response = await h.admin('GET', '/v1/admin/queue');
        expect(response.status).toBe(200);
        expect(response.body.queue).toBe('orders');
        expect(response.body.counts.completed).toBeGreaterThanOrEqual(1);
      },
      { timeout: 10_000, interval: 100 },
    );
    const { body } = await h.admin('GET', '/v1/admin/queue');
    expect(Object.keys(body.counts).sort()).toEqual(
      ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting', 'waiting-children'].sort(),
    );
    for (const count of Object.values(body.counts)) expect(Number.isInteger(count)).toBe(true);
  });

  it('is 403 to the server key and a player token, 401 without a credential', async () => {
    expect((await h.server('GET', '/v1/admin/queue')).status).toBe(403);
    const token = await playerToken(h.config.PLAYER_JWT_SECRET, newPlayer());
    const player = await h.request('GET', '/v1/admin/queue', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(player.status).toBe(403);
    const none = await h.request('GET', '/v1/admin/queue');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ auth_success: false, error_code: 'unauthorized' });
    expect(none.body.counts).toBeUndefined();
  });
});

describe('the /admin/queues dashboard', () => {
  it('asks a browser for a login without a credential (401 with a Basic challenge)', async () => {
    const response = await h.request('GET', '/admin/queues');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="armory"');
    expect(response.body).toMatchObject({ auth_success: false });
  });

  it('opens with the admin key as the Basic password (any user name)', async () => {
    const response = await h.request('GET', '/admin/queues', {
      headers: { authorization: basic('ops', ADMIN_KEY) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    // The dashboard's own API, as the page calls it from the browser with the same login, sees the order queue.
    const queues = await h.request('GET', '/admin/queues/api/queues', {
      headers: { authorization: basic('', ADMIN_KEY) },
    });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.body)).toContain('"orders"');
  });

  it('loads no font, script or stylesheet from outside the server, and its CSP refuses any', async () => {
    const response = await h.admin('GET', '/admin/queues');
    expect(response.status).toBe(200);
    const html = response.body as string;
    expect(html).toContain('<script');
    for (const url of loadedUrls(html)) expect(url).not.toMatch(/^(https?:)?\/\//);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('opens with the admin key as a bearer token', async () => {
    const response = await h.admin('GET', '/admin/queues');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('refuses a wrong Basic password with 401 and the challenge, the server key too', async () => {
    for (const password of ['wrong', SERVER_KEY, '']) {
      const response = await h.request('GET', '/admin/queues', {
        headers: { authorization: basic('ops', password) },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="armory"');
    }
    // The dashboard's API and assets are behind the same guard.
    expect((await h.request('GET', '/admin/queues/api/queues')).status).toBe(401);
  });

  it('answers 403 to the server key as a bearer token (a valid credential, not allowed here)', async () => {
    const response = await h.server('GET', '/admin/queues');
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ auth_success: true, error_code: 'forbidden' });
    expect((await h.server('GET', '/admin/queues/api/queues')).status).toBe(403);
  });

  it('answers 401 with the challenge to an invalid bearer token', async () => {
    const response = await h.request('GET', '/admin/queues', { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="armory"');
  });
});
