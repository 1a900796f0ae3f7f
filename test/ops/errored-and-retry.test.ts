import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { waitForOrders } from '../helpers/orders.js';
import { runOps } from '../helpers/processes.js';
import { sleep } from '../helpers/wait.js';

/**
 * Holds the row locks of players that do not exist yet, the way a stuck transaction would: the
 * worker's `insert into player ... on conflict do nothing` waits on the uncommitted rows until its
 * lock timeout, on every attempt. Releasing rolls back, so the worker creates the players itself.
 */
async function holdPlayerLocks(h: Harness, players: string[]): Promise<{ release: () => Promise<void> }> {
  const blocker = new pg.Client({ connectionString: h.config.DATABASE_URL });
  await blocker.connect();
  await blocker.query('begin');
  for (const player of players) {
    await blocker.query('insert into player (player_uuid) values ($1)', [player]);
    await blocker.query('select 1 from player where player_uuid = $1 for update', [player]);
  }
  return {
    release: async () => {
      await blocker.query('rollback');
      await blocker.end();
    },
  };
}

async function waitForStatus(h: Harness, orderId: string, status: string): Promise<any> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await h.admin('GET', `/v1/orders/${orderId}`);
    expect(response.status).toBe(200);
    if (response.body.status === status) return response.body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is ${response.body.status}, not ${status}`);
    await sleep(100);
  }
}

/** An errored order as the API shows it: why, in one line, and nothing that took effect. */
function expectErroredView(order: any): void {
  expect(order.status).toBe('errored');
  expect(typeof order.error).toBe('string');
  expect(order.error).toMatch(/lock timeout/);
  expect(order.error).not.toMatch(/\n|\bat .+:\d+:\d+|insert into|select /i);
  expect(order.entries.map((entry: { result: string }) => entry.result)).toEqual(
    order.entries.map(() => 'not_started'),
  );
}

describe('errored orders and their retry', () => {
  let h: Harness;

  /** The ops CLI, against this file's database and queue. */
  const ops = (...args: string[]) => runOps(h.childEnv, args);

  beforeAll(async () => {
    // Two attempts, quick backoff, and a short lock timeout: an order whose player stays locked is
    // errored within a couple of seconds.
    h = await startHarness({
      env: { JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '100', DB_LOCK_TIMEOUT_MS: '300' },
      catalog: baseCatalog,
    });
  });
  afterAll(() => h.close());

  it('is errored with nothing applied when every attempt times out, and a retry applies it once', async () => {
    const player = newPlayer();
    const lock = await holdPlayerLocks(h, [player]);
    let released = false;
    try {
      const accepted = await h.server('POST', '/v1/orders', grantGems(player));
      expect(accepted.status).toBe(202);
      const orderId: string = accepted.body.order_id;

      const errored = await waitForStatus(h, orderId, 'errored');
      expectErroredView(errored);
      expect(await h.balance(player, GEMS)).toBe(0);

      await lock.release();
      released = true;
      // Nothing retries an errored order by itself: not the queue, not the sweeper.
      await sleep(1500);
      const stillErrored = await h.server('GET', `/v1/orders/${orderId}`);
      expectErroredView(stillErrored.body);
      expect(await h.balance(player, GEMS)).toBe(0);

      // Two retries at once: PostgreSQL's conditional update lets exactly one through.
      const retries = await Promise.all([
        h.admin('POST', `/v1/admin/orders/${orderId}/retry`),
        h.admin('POST', `/v1/admin/orders/${orderId}/retry`),
      ]);
      expect(retries.map((response) => response.status).sort()).toEqual([202, 409]);
      const retried = retries.find((response) => response.status === 202)!;
      expect(retried.body.order_id).toBe(orderId);
      expect(retried.body.error).toBeUndefined();
      expect(retried.headers.get('location')).toBe(`/v1/orders/${orderId}`);

      const [final] = await waitForOrders(h, [orderId]);
      expect(final.status).toBe('succeeded');
      expect(final.error).toBeUndefined();
      expect(final.entries[0].result).toBe('success');
      expect(await h.balance(player, GEMS)).toBe(100);

      // Final now: another retry is refused and changes nothing.
      const again = await h.admin('POST', `/v1/admin/orders/${orderId}/retry`);
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error_code: 'order_not_errored', desc: expect.any(String) });
      await sleep(500);
      expect(await h.balance(player, GEMS)).toBe(100);
    } finally {
      if (!released) await lock.release();
    }
  });

  it('refuses retries of unknown orders, bad queries, and every credential but the admin key', async () => {
    const player = newPlayer();
    const done = await h.submit(grantGems(player));
    expect(done.body.status).toBe('succeeded');
    const orderId: string = done.body.order_id;

    const unknown = await h.admin('POST', '/v1/admin/orders/no-such-order/retry');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error_code: 'order_not_found', desc: expect.any(String) });

    expect((await h.admin('POST', '/v1/admin/orders/retry')).status).toBe(422);
    expect((await h.admin('POST', '/v1/admin/orders/retry?status=failed')).status).toBe(422);
    expect((await h.admin('GET', '/v1/admin/orders?status=bogus')).status).toBe(422);

    for (const [method, path] of [
      ['GET', '/v1/admin/orders'],
      ['POST', `/v1/admin/orders/${orderId}/retry`],
      ['POST', '/v1/admin/orders/retry?status=errored'],
    ] as const) {
      const asServer = await h.server(method, path);
      expect(asServer.status).toBe(403);
      expect(asServer.body.auth_success).toBe(true);
      expect((await h.request(method, path)).status).toBe(401);
    }
    const after = await h.server('GET', `/v1/orders/${orderId}`);
    expect(after.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('lists errored orders page by page, and retries them all (CLI dry run first), each applied once', async () => {
    const other = await h.submit(grantGems(newPlayer()));
    expect(other.body.status).toBe('succeeded');
    const players = [newPlayer(), newPlayer(), newPlayer(), newPlayer()];
    const lock = await holdPlayerLocks(h, players);
    let released = false;
    try {
      // One at a time, so the accept order (newest first in listings) is known.
      const orderIds: string[] = [];
      for (const player of players) {
        const accepted = await h.server('POST', '/v1/orders', grantGems(player));
        expect(accepted.status).toBe(202);
        orderIds.push(accepted.body.order_id);
      }
      for (const orderId of orderIds) expectErroredView(await waitForStatus(h, orderId, 'errored'));
      await lock.release();
      released = true;

      const first = await h.admin('GET', '/v1/admin/orders?status=errored&limit=3');
      expect(first.status).toBe(200);
      expect(first.body.orders.map((order: any) => order.order_id)).toEqual(orderIds.slice(1).reverse());
      for (const order of first.body.orders) expectErroredView(order);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await h.admin(
        'GET',
        `/v1/admin/orders?status=errored&limit=3&cursor=${first.body.next_cursor}`,
      );
      expect(second.body.orders.map((order: any) => order.order_id)).toEqual([orderIds[0]]);
      expect(second.body.next_cursor).toBeNull();
      // Without a status, every player's orders, whatever their status.
      const everything = await h.admin('GET', '/v1/admin/orders?limit=200');
      const listed = everything.body.orders.map((order: any) => [order.order_id, order.status]);
      expect(listed).toEqual(
        expect.arrayContaining([
          ...orderIds.map((orderId) => [orderId, 'errored']),
          [other.body.order_id, 'succeeded'],
        ]),
      );

      const dryRun = await ops('orders:retry-errored', '--dry-run');
      expect(dryRun.code).toBe(0);
      expect(dryRun.stdout).toContain('4 errored order(s) would be queued again');
      for (const orderId of orderIds) expect(dryRun.stdout).toContain(orderId);
      for (const orderId of orderIds) expectErroredView((await h.admin('GET', `/v1/orders/${orderId}`)).body);

      // One through the CLI, the other three in bulk through the API.
      const one = await ops('orders:retry', orderIds[0]!);
      expect(one.code).toBe(0);
      expect(one.stdout).toContain(`order ${orderIds[0]} is queued again`);
      const bulk = await h.admin('POST', '/v1/admin/orders/retry?status=errored');
      expect(bulk.status).toBe(200);
      expect(bulk.body).toEqual({ retried: 3 });

      const finals = await waitForOrders(h, orderIds);
      expect(finals.map((order) => order.status)).toEqual(orderIds.map(() => 'succeeded'));
      for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
      const none = await h.admin('GET', '/v1/admin/orders?status=errored');
      expect(none.body).toEqual({ orders: [], next_cursor: null });
      expect(await h.admin('POST', '/v1/admin/orders/retry?status=errored')).toMatchObject({
        status: 200,
        body: { retried: 0 },
      });
      await sleep(500);
      for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
    } finally {
      if (!released) await lock.release();
    }
  }, 60_000);

  it('the ops CLI shows orders and queue counts, with exit codes 0 found, 1 not found, 2 usage', async () => {
    const player = newPlayer();
    const done = await h.submit(grantGems(player));
    expect(done.body.status).toBe('succeeded');
    const orderId: string = done.body.order_id;

    const shown = await ops('orders:show', orderId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^order\\s+${orderId}$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^player\\s+${player}$`, 'm'));
    expect(shown.stdout).toMatch(/^status\s+succeeded$/m);
    expect(shown.stdout).toMatch(/^applied seq\s+1$/m);
    expect(shown.stdout).toMatch(/fill_loot loot \d+ ×1 {2}→ success/);
    // A live job naming its player, if any: the one that applied it may still be finishing.
    expect(shown.stdout).toMatch(/^queue job\s+(active \(\d+\)|none live for its player)$/m);

    const missing = await ops('orders:show', 'no-such-order');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no order no-such-order');

    const notErrored = await ops('orders:retry', orderId);
    expect(notErrored.code).toBe(1);
    expect(notErrored.stderr).toContain('only an errored order can be retried');

    const usages = await Promise.all(
      [
        ['orders:explode'],
        ['orders:show'],
        ['orders:show', 'not an id'],
        ['orders:retry-errored', '--force'],
        [],
      ].map((bad) => ops(...bad)),
    );
    for (const usage of usages) {
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/lists the commands|Usage: ops/);
    }

    const stats = await ops('queue:stats');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^\s+completed\s+\d+$/m);
    expect(stats.stdout).toMatch(/^\s+errored\s+0$/m);

    // None of that changed the order or the inventory.
    expect((await h.server('GET', `/v1/orders/${orderId}`)).body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  }, 60_000);
});
