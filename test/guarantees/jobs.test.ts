import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueuePlayers, liveJobOfPlayer, ORDER_QUEUE, type OrderJob } from '../../src/queue/order-queue.js';
import { createOrderWorkers } from '../../src/workers/order-worker.js';
import { startSweeper, SWEEP_JOB_SIZE, sweepStaleOrders } from '../../src/workers/sweeper.js';
import { enqueueStreams } from '../../src/queue/event-queue.js';
import { orderCreateSchema } from '../../src/domain/order.js';
import { createLogger } from '../../src/logger.js';
import { acceptOrders } from '../../src/stores/order-store.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { attemptsOf, statusesOf } from '../helpers/orders.js';
import { acceptOrder, jobFor, poisonOrders, processorDeps, processorFor } from '../helpers/processor.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * A job names players with orders waiting (src/queue/order-queue.ts, enqueuePlayers): one job per
 * accept batch, sweep or batch of retries, and the worker applies everything each named player has
 * waiting. What must hold: no order is ever left without a job that will apply it, whenever it
 * arrives, and a job that fails for one player does not hold back the others.
 */

let h: Harness;
beforeAll(async () => {
  // No worker of the harness's own: each test delivers the jobs its way.
  h = await startHarness({ worker: false, catalog: baseCatalog });
});
afterAll(() => h.close());

const waitingJobs = () => h.queue.getJobs(['waiting']);

/** Applies what the waiting jobs name and removes them, leaving no order queued for the next test. */
async function applyWaitingJobs() {
  for (const job of await waitingJobs()) await processorFor(h)(job);
  await h.queue.drain();
}

describe('jobs', () => {
  it('are one per accept batch: orders accepted together share a job naming their players', async () => {
    await h.queue.drain();
    const players = Array.from({ length: 20 }, newPlayer);
    const orders = await Promise.all(players.map((player) => acceptOrder(h, grantGems(player))));

    const jobs = await waitingJobs();
    expect(jobs.length).toBeLessThan(orders.length);
    expect(jobs.flatMap((job) => job.data.player_uuids).sort()).toEqual([...players].sort());

    const largest = jobs.reduce((most, job) =>
      job.data.player_uuids.length > most.data.player_uuids.length ? job : most,
    );
    expect(largest.data.player_uuids.length).toBeGreaterThan(1);
    await processorFor(h)(largest);
    const applied = players.filter((player) => largest.data.player_uuids.includes(player));
    for (const player of players) {
      expect(await h.balance(player, GEMS)).toBe(applied.includes(player) ? 100 : 0);
    }
    expect(await statusesOf(h, ...orders)).toEqual(
      players.map((player) => (applied.includes(player) ? 'succeeded' : 'queued')),
    );
    await applyWaitingJobs();
  });

  it("are added for orders accepted while their player's job runs, which are applied", async () => {
    const player = newPlayer();
    const processor = processorFor(h);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstJob = true;
    // A real BullMQ worker on the harness's queue, whose first job stays active after applying
    // everything, until the test lets it finish.
    const connection = new Redis(h.config.REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker<OrderJob>(
      ORDER_QUEUE,
      async (job: Job<OrderJob>) => {
        if (!job.data.player_uuids.includes(player)) return;
        await processor(job);
        if (firstJob) {
          firstJob = false;
          await released;
        }
      },
      { connection, prefix: h.config.QUEUE_PREFIX, concurrency: 4 },
    );
    try {
      const first = await acceptOrder(h, grantGems(player));
      await until(async () => (await statusesOf(h, first))[0] === 'succeeded', 'the first order to apply');

      // Both arrive while the job that applied the first is still active: neither waits for it.
      const second = await acceptOrder(h, grantGems(player));
      const third = await acceptOrder(h, grantGems(player));
      await until(
        async () => (await statusesOf(h, second, third)).join() === 'succeeded,succeeded',
        'the orders accepted meanwhile to apply',
      );
      expect(await h.balance(player, GEMS)).toBe(300);
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });

  it('that fail for one of their players apply the others, and retry only that player', async () => {
    const [first, poisoned, last] = [newPlayer(), newPlayer(), newPlayer()];
    const poison = await poisonOrders(h);
    const firstOrder = await acceptOrder(h, grantGems(first));
    const poisonOrder = await acceptOrder(h, { ...grantGems(poisoned), order_id: `poison-${poisoned}` });
    const lastOrder = await acceptOrder(h, grantGems(last));
    const job = jobFor(h, [first, poisoned, last]);
    try {
      await expect(processorFor(h)(job)).rejects.toThrow(/poison order refused/);
    } finally {
      await poison.cure();
    }
    expect(await statusesOf(h, firstOrder, poisonOrder, lastOrder)).toEqual([
      'succeeded',
      'queued',
      'succeeded',
    ]);
    expect(await attemptsOf(h, poisonOrder)).toEqual([1]);
    expect(job.data.player_uuids).toEqual([poisoned]);

    // The retry, the poison cured: applies it.
    await processorFor(h)(jobFor(h, job.data.player_uuids, 1));
    expect(await statusesOf(h, poisonOrder)).toEqual(['succeeded']);
    expect(await attemptsOf(h, poisonOrder)).toEqual([2]);
  });

  it('retried by BullMQ name only the players they failed for, and apply them once they can', async () => {
    const [first, poisoned, last] = [newPlayer(), newPlayer(), newPlayer()];
    const poison = await poisonOrders(h);
    let cured = false;
    const connection = new Redis(h.config.REDIS_URL, { maxRetriesPerRequest: null });
    const worker = createOrderWorkers(processorDeps(h), connection)[0]!;
    await worker.waitUntilReady();
    await worker.pause();
    try {
      const firstOrder = await acceptOrder(h, grantGems(first));
      const poisonOrder = await acceptOrder(h, { ...grantGems(poisoned), order_id: `poison-${poisoned}` });
      const lastOrder = await acceptOrder(h, grantGems(last));
      // One job for the three players, as one accept batch would give them.
      await h.queue.drain();
      await enqueuePlayers(h.queues, [first, poisoned, last]);
      const [job] = await waitingJobs();
      await worker.resume();

      await until(
        async () => (await statusesOf(h, firstOrder, lastOrder)).join() === 'succeeded,succeeded',
        'the two other players to apply',
      );
      await until(async () => {
        const now = await h.queue.getJob(job!.id!);
        return now !== undefined && now.attemptsMade >= 1 && now.data.player_uuids.join() === poisoned;
      }, 'the retry to name only the poisoned player');
      expect(await statusesOf(h, poisonOrder)).toEqual(['queued']);

      await poison.cure();
      cured = true;
      await until(async () => (await statusesOf(h, poisonOrder))[0] === 'succeeded', 'the retry to apply it');
      expect([
        await h.balance(first, GEMS),
        await h.balance(poisoned, GEMS),
        await h.balance(last, GEMS),
      ]).toEqual([100, 100, 100]);
    } finally {
      if (!cured) await poison.cure();
      await worker.close();
      connection.disconnect();
    }
  });

  it('of the earlier shape (one order and its player) are applied the same way', async () => {
    const player = newPlayer();
    const orderId = await acceptOrder(h, grantGems(player));
    const legacy = { ...jobFor(h, player), data: { order_id: orderId, player_uuid: player } };
    await processorFor(h)(legacy as unknown as Job<OrderJob>);
    expect(await statusesOf(h, orderId)).toEqual(['succeeded']);
  });
});

describe('the sweeper', () => {
  it('gives one job to the players whose orders have none, and none to orders a live job will reach', async () => {
    await h.queue.drain();
    const [lost, alsoLost, delivered] = [newPlayer(), newPlayer(), newPlayer()];
    const lostOrders = [await acceptOrder(h, grantGems(lost)), await acceptOrder(h, grantGems(alsoLost))];
    // Their jobs are gone, as if Redis had lost them.
    await h.queue.drain();
    // Stored over a second (the sweeper's clock margin) after them, with its job waiting.
    await sleep(1200);
    const deliveredOrder = await acceptOrder(h, grantGems(delivered));

    expect(await sweepStaleOrders(h.orm, h.queues, 0)).toBe(2);
    const jobs = await waitingJobs();
    expect(jobs).toHaveLength(2);
    const sweep = jobs.find((job) => !job.data.player_uuids.includes(delivered))!;
    expect([...sweep.data.player_uuids].sort()).toEqual([lost, alsoLost].sort());

    await processorFor(h)(sweep);
    expect(await statusesOf(h, ...lostOrders, deliveredOrder)).toEqual(['succeeded', 'succeeded', 'queued']);
    expect((await liveJobOfPlayer(h.queues, delivered))?.state).toBe('waiting');
    await applyWaitingJobs();
    expect(await statusesOf(h, deliveredOrder)).toEqual(['succeeded']);
  });

  it('gives a large backlog its jobs in one round: one query, one add, 500 players a job', async () => {
    await h.queue.drain();
    const players = Array.from({ length: 1200 }, newPlayer);
    const accepted = await acceptOrders(
      h.orm.em.fork(),
      players.map((player) => ({
        create: orderCreateSchema.parse(grantGems(player)),
        scope: 'server' as const,
      })),
    );
    expect(accepted.every((result) => result.kind === 'accepted')).toBe(true);

    expect(await sweepStaleOrders(h.orm, h.queues, 0)).toBe(players.length);
    const jobs = await waitingJobs();
    expect(jobs.map((job) => job.data.player_uuids.length).sort((a, b) => a - b)).toEqual([200, 500, 500]);
    expect(jobs.flatMap((job) => job.data.player_uuids).sort()).toEqual([...players].sort());
    await applyWaitingJobs();
    expect(await h.orderCount()).toBeGreaterThanOrEqual(players.length);
    const queued = await h.sql<{ n: number }>(
      `select count(*)::int as n from player_order where status = 'queued'`,
    );
    expect(queued[0]!.n).toBe(0);
  });

  it("gives event streams' backlog jobs the same way: 500 streams a job, added at once", async () => {
    await h.eventQueue.drain();
    const streams = Array.from({ length: 1200 }, () => ({
      subscriptionId: randomUUID(),
      playerUuid: newPlayer(),
    }));
    await enqueueStreams(h.eventQueue, streams, SWEEP_JOB_SIZE);
    const jobs = await h.eventQueue.getJobs(['waiting']);
    expect(jobs.map((job) => job.data.streams.length).sort((a, b) => a - b)).toEqual([200, 500, 500]);
    expect(jobs.flatMap((job) => job.data.streams).length).toBe(streams.length);
    await h.eventQueue.drain();
  });

  it('runs one round per interval for the whole fleet, however many worker processes tick', async () => {
    const intervalMs = 100;
    const fleet = Array.from({ length: 4 }, () => {
      const metrics = new Metrics();
      const sweeper = startSweeper({
        orm: h.orm,
        queue: h.queues,
        eventQueue: h.eventQueue,
        logger: createLogger('silent', 'sweeper-test'),
        metrics,
        intervalMs,
        minAgeMs: 60_000,
      });
      return { metrics, sweeper };
    });
    const started = Date.now();
    await sleep(1500);
    await Promise.all(fleet.map(({ sweeper }) => sweeper.stop()));
    const elapsedMs = Date.now() - started;
    const rounds = (await Promise.all(fleet.map(async ({ metrics }) => (await metrics.sweeps.get()).values)))
      .flat()
      .filter((sample) => sample.labels.outcome === 'ok')
      .reduce((sum, sample) => sum + sample.value, 0);
    // Four processes ticking every 100 ms would sweep about 60 times; the fleet takes a round at
    // most once per 80 ms (the share of an interval that makes a round due), at least now and then.
    expect(rounds).toBeLessThanOrEqual(Math.floor(elapsedMs / (0.8 * intervalMs)) + 1);
    expect(rounds).toBeGreaterThanOrEqual(5);
  });

  it('gives a job to every stale order when no job is live', async () => {
    await h.queue.drain();
    const player = newPlayer();
    const orderId = await acceptOrder(h, grantGems(player));
    await h.queue.drain();
    expect(await sweepStaleOrders(h.orm, h.queues, 60_000)).toBe(0);
    expect(await sweepStaleOrders(h.orm, h.queues, 0)).toBe(1);
    const [job] = await waitingJobs();
    expect(job!.data.player_uuids).toEqual([player]);
    await processorFor(h)(job!);
    expect(await statusesOf(h, orderId)).toEqual(['succeeded']);
  });
});
