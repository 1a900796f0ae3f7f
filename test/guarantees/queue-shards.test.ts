import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { shardIndex } from '../../src/queue/order-queue.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-role.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { acceptOrder } from '../helpers/processor.js';
import { statusesOf, waitForOrders } from '../helpers/orders.js';
import { sleep } from '../helpers/wait.js';

/**
 * QUEUE_SHARDS: a player's jobs go to shard hash(player) mod N, each a BullMQ queue whose keys
 * share one Redis Cluster slot; workers read them all (or WORKER_SHARDS). Per-player order and exactly-once
 * hold whatever the shard count, also when it changes while orders wait.
 */

describe('the shard of a player', () => {
  it('is the same for the same player, whatever its case, and spreads players evenly', () => {
    const players = Array.from({ length: 8000 }, () => randomUUID());
    const counts = new Array<number>(8).fill(0);
    for (const player of players) counts[shardIndex(player, 8)]!++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(shardIndex(players[0]!, 8)).toBe(shardIndex(players[0]!.toUpperCase(), 8));
    expect(shardIndex(players[0]!, 1)).toBe(0);
  });
});

describe('four shards', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ catalog: baseCatalog, env: { QUEUE_SHARDS: '4' } });
  });
  afterAll(() => h.close());

  it("apply every player's orders once, in accept order, from jobs spread over every shard", async () => {
    const players = Array.from({ length: 24 }, newPlayer);
    const orderIds = (
      await Promise.all(
        players.map(async (player) => {
          const ids: string[] = [];
          for (let n = 0; n < 3; n++) ids.push(await acceptOrder(h, grantGems(player)));
          return ids;
        }),
      )
    ).flat();
    const finals = await waitForOrders(h, orderIds);
    expect(finals.every((order) => order.status === 'succeeded')).toBe(true);
    for (const player of players) {
      const mine = finals.filter((order) => order.player_uuid === player);
      expect(mine.map((order) => order.applied_seq)).toEqual([1, 2, 3]);
      expect(await h.balance(player, GEMS)).toBe(300);
    }
    const completed = await Promise.all(
      h.queues.shards.map(async (shard) => (await shard.getJobCounts('completed')).completed ?? 0),
    );
    expect(completed.filter((count) => count > 0).length).toBe(4);

    // Ops see the queue whole: counts summed over the shards, and each shard on the dashboard.
    const counts = await h.admin('GET', '/v1/admin/queue');
    expect(counts.body.counts.completed).toBe(completed.reduce((sum, count) => sum + count, 0));
    const board = await h.admin('GET', '/admin/queues/api/queues');
    expect(board.status).toBe(200);
    expect((board.body as { queues: { name: string }[] }).queues.map((queue) => queue.name).sort()).toEqual(
      [0, 1, 2, 3].map((shard) => `shard ${shard}: orders`),
    );

    // Each shard's keys carry a hash tag of their own: one Redis Cluster slot per shard.
    const redis = new Redis(h.config.REDIS_URL);
    try {
      for (let shard = 0; shard < 4; shard++) {
        const keys = await redis.keys(`${h.config.QUEUE_PREFIX}:{orders-${shard}}:orders:*`);
        expect(keys.length, `shard ${shard}`).toBeGreaterThan(0);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('QUEUE_SHARDS changed while orders wait', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog, env: { QUEUE_SHARDS: '4' } });
  });
  afterAll(() => h.close());

  it('from 4 to 2: the jobs of shards still read apply theirs, the sweeper the rest, each once', async () => {
    const players = Array.from({ length: 16 }, newPlayer);
    const orderIds: string[] = [];
    for (const player of players) orderIds.push(await acceptOrder(h, grantGems(player)));
    expect(new Set(players.map((player) => shardIndex(player, 4))).size).toBeGreaterThan(2);

    const worker = startWorker(
      { ...h.config, QUEUE_SHARDS: 2, SWEEP_INTERVAL_MS: 100, SWEEP_MIN_AGE_MS: 300 },
      h.orm,
      createLogger('silent', 'armory-test'),
    );
    try {
      const finals = await waitForOrders(h, orderIds);
      expect(finals.map((order) => [order.status, order.applied_seq])).toEqual(
        orderIds.map(() => ['succeeded', 1]),
      );
      for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
    } finally {
      await worker.close();
    }
  });
});

describe('WORKER_SHARDS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog, env: { QUEUE_SHARDS: '4' } });
  });
  afterAll(() => h.close());

  it("a worker reads only the shards it is given: another worker's shards wait for that worker", async () => {
    const players = Array.from({ length: 16 }, newPlayer);
    const orderIds: string[] = [];
    for (const player of players) orderIds.push(await acceptOrder(h, grantGems(player)));
    const ofShards = (shards: number[]) =>
      orderIds.filter((_, index) => shards.includes(shardIndex(players[index]!, 4)));
    expect(ofShards([0, 1]).length).toBeGreaterThan(0);
    expect(ofShards([2, 3]).length).toBeGreaterThan(0);

    const logger = createLogger('silent', 'armory-test');
    const first = startWorker({ ...h.config, WORKER_SHARDS: [0, 1] }, h.orm, logger);
    let second: RunningWorker | undefined;
    try {
      const firstFinals = await waitForOrders(h, ofShards([0, 1]));
      expect(firstFinals.map((order) => order.status)).toEqual(ofShards([0, 1]).map(() => 'succeeded'));
      // Past a sweep: the other shards' orders keep their jobs, which this worker does not read.
      await sleep(h.config.SWEEP_INTERVAL_MS * 2);
      expect(await statusesOf(h, ...ofShards([2, 3]))).toEqual(ofShards([2, 3]).map(() => 'queued'));

      second = startWorker({ ...h.config, WORKER_SHARDS: [2, 3] }, h.orm, logger);
      const finals = await waitForOrders(h, orderIds);
      expect(finals.map((order) => [order.status, order.applied_seq])).toEqual(
        orderIds.map(() => ['succeeded', 1]),
      );
      for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
