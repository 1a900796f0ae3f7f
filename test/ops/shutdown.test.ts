import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-role.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { waitForOrders } from '../helpers/orders.js';
import { freePort } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

describe('SIGTERM with orders in flight', () => {
  let h: Harness;
  let child: ChildProcess | null = null;
  let worker: RunningWorker | null = null;

  beforeAll(async () => {
    // No worker in this process: the child (`npm start`'s entry point) is the only one until it stops.
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await worker?.close();
    await h.close();
  });

  it('exits 0, and every accepted order later reaches a final status once', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let stderr = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      // Low concurrency, so that jobs are still waiting when it stops: the next worker must take them.
      env: { ...process.env, ...h.childEnv, PORT: String(port), WORKER_CONCURRENCY: '2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await until(async () => (await fetch(`${baseUrl}/readyz`)).status === 200, 'the child to be ready');

    // 50 orders over 10 players, all sent at once; SIGTERM as soon as the first answers come back,
    // so requests are in flight at the API and jobs at the worker when it lands.
    const players = Array.from({ length: 10 }, () => newPlayer());
    let answered = 0;
    const sent = Array.from({ length: 50 }, async (_, i) => {
      const order = { ...grantGems(players[i % players.length]!), order_id: `shutdown-${i}-${newPlayer()}` };
      try {
        const response = await fetch(`${baseUrl}/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SERVER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(order),
        });
        await response.text();
        return { order, status: response.status };
      } catch {
        // Refused once the server stopped listening: never accepted, so nothing to check.
        return { order, status: 0 };
      } finally {
        answered++;
      }
    });
    await until(() => Promise.resolve(answered >= 5), 'the first answers');
    child.kill('SIGTERM');
    const outcomes = await Promise.all(sent);
    expect(await exited, stderr).toBe(0);

    const accepted = outcomes.filter((outcome) => outcome.status === 202).map((outcome) => outcome.order);
    expect(accepted.length).toBeGreaterThan(0);
    expect(outcomes.every((outcome) => outcome.status === 202 || outcome.status === 0)).toBe(true);
    // In-flight requests were finished, not dropped: every stored order is one the caller saw accepted.
    const stored = await h.sql<{ order_id: string }>(
      `select order_id from player_order where order_id like 'shutdown-%'`,
    );
    expect(stored.map((row) => row.order_id).sort()).toEqual(accepted.map((order) => order.order_id).sort());

    // A fresh worker picks up whatever the stopped one left queued.
    worker = startWorker(h.config, h.orm, createLogger('silent', 'armory-test'));
    const finals = await waitForOrders(
      h,
      accepted.map((order) => order.order_id),
    );
    expect(finals.every((order) => order.status === 'succeeded')).toBe(true);
    const attempts = await h.sql<{ attempts: number }>(
      `select attempts from player_order where order_id like 'shutdown-%'`,
    );
    expect(attempts.every((row) => row.attempts === 1)).toBe(true);
    // Applied exactly once: each player holds 100 gems per accepted grant, no more, no less.
    for (const player of players) {
      const grants = accepted.filter((order) => order.player_uuid === player).length;
      expect(await h.balance(player, GEMS)).toBe(100 * grants);
    }
  });
});

describe('a worker started alone with WORKER_PORT', () => {
  let h: Harness;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await h.close();
  });

  it('serves probes and its own metrics, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/workers/main.ts'], {
      env: { ...process.env, ...h.childEnv, WORKER_PORT: String(port) },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await until(async () => (await fetch(`${baseUrl}/readyz`)).status === 200, 'the worker to be ready');
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    // Probes only: the API is not served here.
    expect((await fetch(`${baseUrl}/v1/orders/x`)).status).toBe(404);

    const player = newPlayer();
    const [order] = await waitForOrders(h, [
      (await h.server('POST', '/v1/orders', grantGems(player))).body.order_id,
    ]);
    expect(order.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
    const succeeded = 'armory_orders_finished_total{status="succeeded"} 1';
    await until(
      async () => (await (await fetch(`${baseUrl}/metrics`)).text()).includes(succeeded),
      'the count',
    );

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
