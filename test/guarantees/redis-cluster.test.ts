import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { openRedis, serversOf, type RedisConnection } from '../../src/redis.js';
import { checkRedisEvictionPolicy } from '../../src/telemetry/redis-policy.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { ADMIN_KEY, newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { playerToken } from '../helpers/credentials.js';
import { waitForOrders } from '../helpers/orders.js';
import { killStartedProcesses, runOps, startWorkerProcess } from '../helpers/processes.js';
import { startLoopbackCluster, type LoopbackCluster } from '../helpers/redis-cluster.js';
import { until } from '../helpers/wait.js';

/**
 * On a real Redis Cluster (three masters, three replicas, on loopback): the order queue in eight
 * shards spread over the masters, several worker processes, and a master killed mid-load. Orders
 * are durable in PostgreSQL before they are answered, so a job lost with the master is delivered
 * again by the sweeper; every accepted order ends final and applied once.
 */

const SHARDS = 8;
let cluster: LoopbackCluster;
let h: Harness;
let redis: RedisConnection;

beforeAll(async () => {
  cluster = await startLoopbackCluster(3, 1);
  h = await startHarness({
    worker: false,
    catalog: baseCatalog,
    env: {
      REDIS_URL: cluster.url,
      QUEUE_SHARDS: String(SHARDS),
      // A job whose lock died with its master is taken over within seconds, not the default 30.
      WORKER_LOCK_DURATION_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
      PLAYER_RATE_LIMIT_PER_MINUTE: '3',
    },
  });
  redis = openRedis(cluster.url);
  await new Promise((resolve) => redis.once('ready', resolve));
}, 60_000);

afterAll(async () => {
  killStartedProcesses();
  redis?.disconnect();
  await h?.close();
  await cluster?.stop();
});

/** The order shards (by hash tag) whose keys each master holds. */
async function shardsByMaster(): Promise<string[][]> {
  return Promise.all(
    serversOf(redis).map(async (master) => {
      const keys = await master.keys(`${h.config.QUEUE_PREFIX}:{orders-*}:*`);
      return [...new Set(keys.map((key) => /\{(orders-\d+)\}/.exec(key)![1]!))];
    }),
  );
}

describe('a Redis Cluster as REDIS_URL (redis+cluster://)', () => {
  it('serves the API, workers, readiness, the rate limit, the dashboards and the ops CLI', async () => {
    startWorkerProcess(h.childEnv);
    expect((await h.request('GET', '/readyz')).status).toBe(200);

    const players = Array.from({ length: 16 }, newPlayer);
    const accepted = await Promise.all(
      players.map((player) => h.server('POST', '/v1/orders', grantGems(player))),
    );
    expect(accepted.map((response) => response.status)).toEqual(players.map(() => 202));
    const finals = await waitForOrders(
      h,
      accepted.map((response) => response.body.order_id as string),
    );
    expect(finals.map((order: { status: string }) => order.status)).toEqual(players.map(() => 'succeeded'));

    // Each shard's keys live on one master (its hash tag), and the shards spread over all three.
    const byMaster = await shardsByMaster();
    expect(byMaster).toHaveLength(3);
    for (const shards of byMaster) expect(shards.length).toBeGreaterThan(0);
    expect(byMaster.flat().sort()).toEqual([...new Set(byMaster.flat())].sort());

    const queue = await h.admin('GET', '/v1/admin/queue');
    expect(queue.status).toBe(200);
    expect(queue.body.counts.completed).toBeGreaterThan(0);
    const board = await h.request('GET', '/admin/queues/api/queues', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(board.status).toBe(200);
    expect(JSON.stringify(board.body)).toContain('shard 7: ');

    // The player rate limit counts on the cluster too.
    const token = await playerToken(h.config.PLAYER_JWT_SECRET, players[0]!);
    const reads: number[] = [];
    for (let i = 0; i < 4; i++) {
      reads.push(
        (await h.request('GET', '/v1/me/inventory', { headers: { authorization: `Bearer ${token}` } }))
          .status,
      );
    }
    expect(reads).toEqual([200, 200, 200, 429]);

    const stats = await runOps(h.childEnv, ['queue:stats', '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    const counted = JSON.parse(stats.stdout) as { jobs: { completed: number }; orders: { queued: number } };
    expect(counted.jobs.completed).toBeGreaterThan(0);
    expect(counted.orders.queued).toBe(0);
  });

  it("reads every master's eviction policy: one that may evict jobs is named", async () => {
    const logger = createLogger('silent', 'armory-test');
    expect(await checkRedisEvictionPolicy(redis, logger)).toBe('noeviction');
    const second = serversOf(redis)[1]!;
    await second.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      expect(await checkRedisEvictionPolicy(redis, logger)).toBe('allkeys-lru');
    } finally {
      await second.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('applies every accepted order once when a master dies mid-load and its replica takes over', async () => {
    startWorkerProcess(h.childEnv);
    startWorkerProcess(h.childEnv);
    const players = Array.from({ length: 40 }, newPlayer);
    const ORDERS_PER_PLAYER = 12;
    const victim = (await cluster.masters())[0]!;

    let answered = 0;
    const statuses: number[] = [];
    const orderIds: string[] = [];
    let answeredAtKill = 0;
    const killed = until(
      () => Promise.resolve(answered >= (players.length * ORDERS_PER_PLAYER) / 3),
      'a third of the load',
      60_000,
    ).then(() => {
      answeredAtKill = answered;
      return cluster.kill(victim);
    });
    await Promise.all(
      players.map(async (player) => {
        for (let index = 0; index < ORDERS_PER_PLAYER; index++) {
          const response = await h.server('POST', '/v1/orders', grantGems(player));
          statuses.push(response.status);
          if (response.status === 202) orderIds.push(response.body.order_id as string);
          answered++;
        }
      }),
    );
    await killed;
    // Every order was answered 202: the API stores before it enqueues, and an enqueue that fails is
    // left to the sweeper.
    expect(statuses.filter((status) => status !== 202)).toEqual([]);

    expect(answeredAtKill).toBeLessThan(players.length * ORDERS_PER_PLAYER);
    await cluster.healed();
    // The victim's replica serves its slots now.
    expect(await cluster.masters()).not.toContain(victim);
    expect(await cluster.masters()).toHaveLength(3);
    const finals = await waitForOrders(h, orderIds);
    expect(finals.filter((order: { status: string }) => order.status !== 'succeeded')).toEqual([]);
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(100 * ORDERS_PER_PLAYER);
    expect(await h.orderCount()).toBe(orderIds.length + 16);
  }, 120_000);
});
