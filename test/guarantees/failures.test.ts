import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import {
  createOrderQueues,
  createProducerConnection,
  enqueuePlayers,
  liveJobOfPlayer,
} from '../../src/queue/order-queue.js';
import { uniqueName } from '../helpers/database.js';
import { newPlayer, removeOrderQueue, startHarness, type Harness } from '../helpers/harness.js';
import { statusesOf, waitForOrders } from '../helpers/orders.js';
import { killStartedProcesses, startWorkerProcess } from '../helpers/processes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { expectErrorBody } from '../helpers/responses.js';
import { sleep, until } from '../helpers/wait.js';
import { expectLootLockerError, lootLockerCaller, startSession } from '../helpers/lootlocker.js';

describe('a worker killed with SIGKILL mid-order', () => {
  let h: Harness;

  beforeAll(async () => {
    // No worker in this process: only the child processes take jobs. Short job locks so that the
    // dead worker's job is taken over quickly.
    h = await startHarness({
      worker: false,
      env: { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' },
      catalog: baseCatalog,
    });
  });
  afterEach(() => {
    killStartedProcesses();
  });
  afterAll(() => h.close());

  it('still completes the order, applied once', async () => {
    const player = newPlayer();
    // Insert the new player's row and hold it uncommitted: the worker's own insert of that player
    // waits for it, so the worker is stuck inside its transaction, mid-order.
    const blocker = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('insert into player (player_uuid) values ($1)', [player]);
    await blocker.query('select 1 from player where player_uuid = $1 for update', [player]);

    const first = startWorkerProcess(h.childEnv);
    const accepted = await h.server('POST', '/v1/orders', grantGems(player));
    expect(accepted.status).toBe(202);
    // Asked on another connection: inside a transaction pg_stat_activity is a frozen snapshot.
    await until(async () => {
      const rows = await h.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return rows[0]!.n > 0;
    }, 'the worker to wait on the player lock');

    first.child.kill('SIGKILL');
    await first.exited;
    await blocker.query('commit');
    await blocker.end();
    const [stillQueued] = await statusesOf(h, accepted.body.order_id);
    expect(stillQueued).toBe('queued');

    startWorkerProcess(h.childEnv);
    const [final] = await waitForOrders(h, [accepted.body.order_id]);
    expect(final.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('an order stored while Redis is unreachable', () => {
  let h: Harness;
  const proxy = new TcpProxy('127.0.0.1', 6379);

  beforeAll(async () => {
    await proxy.start();
    h = await startHarness({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, catalog: baseCatalog });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h.close();
  });

  it('is accepted, and processed once Redis is back', async () => {
    const player = newPlayer();
    await proxy.cut();

    const accepted = await h.server('POST', '/v1/orders', grantGems(player));
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('queued');
    await sleep(1500);
    expect(await statusesOf(h, accepted.body.order_id)).toEqual(['queued']);

    await proxy.restore();
    const [final] = await waitForOrders(h, [accepted.body.order_id]);
    expect(final.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('many orders submitted at once are all accepted (batched), and each processed once when Redis is back', async () => {
    const players = Array.from({ length: 20 }, () => newPlayer());
    await proxy.cut();

    const answers = await Promise.all(
      players.map((player) => h.server('POST', '/v1/orders', grantGems(player))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(players.map(() => 202));
    const orderIds = answers.map((answer) => answer.body.order_id as string);
    expect(await statusesOf(h, ...orderIds)).toEqual(orderIds.map(() => 'queued'));

    await proxy.restore();
    const final = await waitForOrders(h, orderIds);
    expect(final.map((order) => order.status)).toEqual(orderIds.map(() => 'succeeded'));
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('PostgreSQL unreachable while serving', () => {
  let h: Harness;
  const proxy = new TcpProxy('127.0.0.1', 5432);

  beforeAll(async () => {
    await proxy.start();
    h = await startHarness({ databasePort: proxy.port, catalog: baseCatalog });
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness at start');
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h.close();
  });

  it('answers 503 unavailable with Retry-After, never 500; /readyz names PostgreSQL; nothing is half-stored', async () => {
    const player = newPlayer();
    await proxy.cut();

    const submitted = await h.server('POST', '/v1/orders', {
      ...grantGems(player),
      order_id: `pg-down-${player}`,
    });
    const read = await h.server('GET', `/v1/orders/pg-down-${player}`);
    const inventory = await h.server('GET', `/v1/players/${player}/inventory`);
    for (const response of [submitted, read, inventory]) {
      expectErrorBody(response, 503, 'unavailable');
      expect(response.headers.get('retry-after')).toBe('5');
    }
    const ready = await h.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not_ready');
    expect(['failed', 'timeout']).toContain(ready.body.checks.postgres);
    expect(ready.body.checks.redis).toBe('ok');

    await proxy.restore();
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness once it is back');
    // The submit that got a 503 stored nothing: the same order is new now, and applied once.
    const again = await h.submit({ ...grantGems(player), order_id: `pg-down-${player}` });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it("answers LootLocker's game servers 503 service_unavailable in LootLocker's error body, reads and writes", async () => {
    const session = await startSession(h);
    expect(session.status).toBe(200);
    const call = lootLockerCaller(h, () => session.body.token as string);
    const player = newPlayer();
    await proxy.cut();
    try {
      const read = await call('GET', `/player/${player}/inventory`);
      const write = await call('POST', `/player/${player}/inventory`, { asset_id: GEMS });
      for (const response of [read, write]) expectLootLockerError(response, 503, 'service_unavailable');
    } finally {
      await proxy.restore();
    }
    await until(async () => (await h.request('GET', '/readyz')).status === 200, 'readiness once it is back');
    expect(await h.orderCount(player)).toBe(0);
  });
});

describe('a queue whose Redis drops while it starts', () => {
  const proxy = new TcpProxy('127.0.0.1', 6379);
  const prefix = uniqueName('armory_test');
  afterAll(async () => {
    await proxy.stop();
    await removeOrderQueue(prefix);
  });

  it('takes jobs again once Redis is back, instead of failing for good', async () => {
    await proxy.start();
    const config = loadConfig({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, QUEUE_PREFIX: prefix });
    const connection = createProducerConnection(config);
    // Registered before the queue's own listener: Redis goes away the moment the queue would start.
    connection.once('ready', () => void proxy.cut());
    const queue = createOrderQueues(config, connection, createLogger('silent', 'armory-test'));
    try {
      await sleep(1500);
      await proxy.restore();
      const player = newPlayer();
      await until(() => enqueuePlayers(queue, [player]).then(() => true), 'the queue to take a job', 10_000);
      expect((await liveJobOfPlayer(queue, player))?.state).toBe('waiting');
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
