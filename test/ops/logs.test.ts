import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { baseCatalog, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { killStartedProcesses, startScript } from '../helpers/processes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Log lines as an operator's log pipeline reads them: one JSON object per line, one key per name,
 * every key in snake_case, errors through pino's err serializer with their code.
 */

/** Every key of a log line, nested ones too, as `path.to.key`. */
function keysOf(value: unknown, path = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, nested]) => [
    `${path}${key}`,
    ...keysOf(nested, `${path}${key}.`),
  ]);
}

const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;

function expectSnakeCase(line: object): void {
  // The err serializer's own fields (type, message, stack, code, errno, syscall...) are lower case too.
  const offending = keysOf(line).filter((key) => !key.split('.').every((part) => SNAKE_CASE.test(part)));
  expect(offending, JSON.stringify(line)).toEqual([]);
}

describe('request and order log lines', () => {
  let h: Harness;
  const raw: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    h = await startHarness({ env: { LOG_LEVEL: 'info' }, logTo: stream, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  it('say request_id once per line, carry the order ids of a submit, and use snake_case keys', async () => {
    const player = newPlayer();
    const submitted = await h.submit(grantGems(player));
    expect(submitted.status).toBe(200);
    const requestId = submitted.headers.get('x-request-id')!;
    expect((await h.server('GET', '/v1/orders/no-such-order')).status).toBe(404);
    expect((await h.server('POST', '/v1/orders', { player_uuid: 'nope' })).status).toBe(422);
    await until(
      () => Promise.resolve(raw.some((line) => line.includes('"order processed"'))),
      'the order line',
    );

    for (const line of raw) {
      expect(line.match(/"request_id":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
      expectSnakeCase(JSON.parse(line) as object);
    }
    const lines = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    const submitLine = lines.find(
      (line) => line.request_id === requestId && line.msg === 'request completed',
    );
    expect(submitLine).toMatchObject({
      order_id: submitted.body.order_id,
      player_uuid: player,
      req: { method: 'POST', url: '/v1/orders' },
      res: { status_code: 200 },
    });
    expect(typeof submitLine!.duration_ms).toBe('number');
    expect(lines.find((line) => line.msg === 'order processed')).toMatchObject({
      order_id: submitted.body.order_id,
      player_uuid: player,
      status: 'succeeded',
    });
  });
});

describe('the error serializer', () => {
  it('keeps snake_case for the errors inside an AggregateError (localhost on ::1 and 127.0.0.1)', () => {
    const lines: string[] = [];
    const logger = createLogger('info', 'armory-test', { write: (line: string) => void lines.push(line) });
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    logger.warn(
      { err: new AggregateError([refused('::1:6379'), refused('127.0.0.1:6379')]) },
      'both refused',
    );
    const line = JSON.parse(lines[0]!) as { err: { aggregate_errors: { code: string }[] } };
    expectSnakeCase(line);
    expect(line.err.aggregate_errors.map((error) => error.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });
});

describe('a worker whose Redis goes away', () => {
  const proxy = new TcpProxy('127.0.0.1', 6379);
  let h: Harness;

  beforeAll(async () => {
    await proxy.start();
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    killStartedProcesses();
    await proxy.restore();
    await h.close();
  });

  it('logs each error as one JSON line with its code, prints nothing on stderr, and still stops with 0', async () => {
    const run = startScript('src/workers/main.ts', {
      ...process.env,
      ...h.childEnv,
      LOG_LEVEL: 'info',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    });
    await until(
      () => Promise.resolve(run.logLines().some((line) => line.msg === 'worker started')),
      'the worker to start',
    );
    await proxy.cut();
    await until(
      () =>
        Promise.resolve(
          run.logLines().some((line) => (line.err as { code?: string } | undefined)?.code === 'ECONNREFUSED'),
        ),
      'a refused connection to be logged',
    );
    await sleep(500);
    // Stopped while its connections are still reconnecting: BullMQ's worker.close() would wait
    // forever there; the drain gives up on it after 10 s and the process still exits 0.
    await proxy.restore();
    run.child.kill('SIGTERM');
    expect((await run.exited).code, run.stdout()).toBe(0);

    expect(run.stderr()).toBe('');
    const lines = run.stdout().trim().split('\n');
    expect(run.logLines()).toHaveLength(lines.length);
    for (const line of run.logLines()) expectSnakeCase(line);
  });
});
