import net from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../src/dependencies.js';
import { connectRedisOnce } from '../../src/redis.js';
import { createLogger } from '../../src/logger.js';
import { checkRedisEvictionPolicy } from '../../src/telemetry/redis-policy.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-role.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

/** One sample of the Prometheus text, 0 when the series has not been written yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('health, readiness, metrics and request ids', () => {
  let h: Harness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    // The worker shares the API's Telemetry, as in `npm start`: one registry, one /metrics.
    worker = startWorker(h.config, h.orm, createLogger('silent', 'armory-test'), h.api.telemetry);
    expect((await h.putCatalog(baseCatalog)).status).toBe(200);
    // The API's Redis connection comes up a moment after start; until then it is rightly not ready.
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness at start');
  });
  afterAll(async () => {
    await worker.close();
    await h.close();
  });

  const metrics = async () => {
    const response = await h.request('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.body as string;
  };

  it('/healthz answers 200 without credentials', async () => {
    const response = await h.request('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when PostgreSQL and Redis answer', async () => {
    const response = await h.request('GET', '/readyz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('/metrics counts an order once it has finished, with its entry results', async () => {
    const before = await metrics();
    const player = newPlayer();
    const response = await h.submit(grantGems(player));
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);

    const succeeded = 'armory_orders_finished_total{status="succeeded"}';
    const fillLoot = 'armory_entry_results_total{type="fill_loot",result="success"}';
    // The worker counts right after its commit, which the waiting API may see a moment sooner.
    let after = await metrics();
    await until(async () => {
      after = await metrics();
      return sample(after, succeeded) > sample(before, succeeded);
    }, 'the finished order to be counted');
    expect(sample(after, succeeded)).toBe(sample(before, succeeded) + 1);
    expect(sample(after, fillLoot)).toBe(sample(before, fillLoot) + 1);
    expect(sample(after, 'armory_orders_accepted_total')).toBe(
      sample(before, 'armory_orders_accepted_total') + 1,
    );
    const latency = 'armory_order_accept_to_final_seconds_count';
    expect(sample(after, latency)).toBe(sample(before, latency) + 1);
    expect(sample(after, 'armory_order_batch_duration_seconds_count')).toBeGreaterThan(
      sample(before, 'armory_order_batch_duration_seconds_count'),
    );
    expect(after).toMatch(/^armory_queue_jobs\{state="completed"\} \d+$/m);
  });

  it('times HTTP requests under the route pattern, not the raw URL', async () => {
    const player = newPlayer();
    const accepted = await h.submit(grantGems(player));
    expect(accepted.status).toBe(200);
    const orderId = accepted.body.order_id as string;
    expect((await h.server('GET', `/v1/orders/${orderId}`)).status).toBe(200);

    const text = await metrics();
    expect(text).toContain(
      'armory_http_request_duration_seconds_count{method="GET",route="/v1/orders/:order_id",status="200"}',
    );
    expect(text).not.toContain(orderId);
  });

  it('echoes X-Request-Id, or makes one', async () => {
    const given = await h.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-42.a:b' } });
    expect(given.headers.get('x-request-id')).toBe('trace-42.a:b');

    const made = await h.server('GET', `/v1/orders/unknown-order`);
    expect(made.status).toBe(404);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // Not a sane token (spaces, too long): replaced, never written into the logs as sent.
    const odd = await h.request('GET', '/healthz', { headers: { 'x-request-id': `a b ${'x'.repeat(200)}` } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  // Last: once stopping, this API stays not ready.
  it('/readyz answers 503 once the process is shutting down', async () => {
    h.api.telemetry.readiness.markStopping();
    const response = await h.request('GET', '/readyz');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: 'stopping', checks: { postgres: 'ok', redis: 'ok' } });
    expect((await h.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('readiness while Redis is unreachable', () => {
  let h: Harness;
  const proxy = new TcpProxy('127.0.0.1', 6379);

  beforeAll(async () => {
    await proxy.start();
    h = await startHarness({ worker: false, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h.close();
  });

  it('answers 503 naming Redis while it is cut, and 200 again once it is back', async () => {
    // Not ready until the API's Redis connection is up, which may take a moment after start.
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness at start');

    await proxy.cut();
    const cut = await h.request('GET', '/readyz');
    expect(cut.status).toBe(503);
    expect(cut.body.status).toBe('not_ready');
    expect(cut.body.checks.postgres).toBe('ok');
    expect(['failed', 'timeout']).toContain(cut.body.checks.redis);
    // Still alive, and scrapes still answer (without queue depth).
    expect((await h.request('GET', '/healthz')).status).toBe(200);
    const scrape = await h.request('GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.body).not.toMatch(/^armory_queue_jobs\{/m);

    await proxy.restore();
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness to come back');
  });
});

describe('the Redis maxmemory-policy check', () => {
  const captured = () => {
    const lines: { level: number; msg: string; maxmemory_policy?: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { lines, logger: pino({ level: 'info' }, stream) };
  };

  it('reads the policy and warns only when it is not noeviction', async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    const [, actual] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];

    const { lines, logger } = captured();
    expect(await checkRedisEvictionPolicy(redis, logger)).toBe(actual);
    redis.disconnect();
    const warnings = lines.filter((line) => line.level === 40);
    if (actual === 'noeviction') expect(warnings).toEqual([]);
    else expect(warnings.map((line) => line.maxmemory_policy)).toEqual([actual]);
  });

  it('goes on without a policy when Redis refuses CONFIG (as managed services do)', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    // What a managed Redis answers to CONFIG GET.
    redis.config = () => Promise.reject(new Error("ERR unknown command 'CONFIG'"));

    const { lines, logger } = captured();
    expect(await checkRedisEvictionPolicy(redis, logger)).toBeNull();
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(lines.some((line) => line.msg.includes('could not read Redis maxmemory-policy'))).toBe(true);
  });
});

describe('connecting to Redis once', () => {
  it('fails at once with one line naming Redis and where', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const error = await connectRedisOnce(`redis://:secret@127.0.0.1:${port}`).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toBe(
      `cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect((error as DependencyError).fields).toEqual({ dependency: 'Redis', address: `127.0.0.1:${port}` });
  });
});
