import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, enqueueAgain, ORDER_QUEUE, type OrderJob } from '../../src/queue/order-queue.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { statusesOf } from '../helpers/orders.js';
import { acceptOrder, processorFor } from '../helpers/processor.js';
import { until } from '../helpers/wait.js';

/**
 * A job means "this player has orders waiting" (src/queue/order-queue.ts, enqueueOrders): BullMQ
 * keeps one job per player, and the worker applies everything the player has waiting. What must
 * hold: no order is ever left without a job that will apply it, whenever it arrives.
 */

let h: Harness;
beforeAll(async () => {
  // No worker of the harness's own: each test delivers the jobs its way.
  h = await startHarness({ worker: false, catalog: baseCatalog });
});
afterAll(() => h.close());

/** Player uuid of every job in the given states. */
async function playersOfJobs(...states: ('waiting' | 'active' | 'completed')[]): Promise<string[]> {
  const jobs = await h.queue.getJobs(states);
  return jobs.map((job) => job.data.player_uuid);
}

describe("a player's orders", () => {
  it('accepted while the player has a job waiting share that job, which applies them all', async () => {
    const [many, one] = [newPlayer(), newPlayer()];
    const manyOrders: string[] = [];
    for (let i = 0; i < 5; i++) manyOrders.push(await acceptOrder(h, grantGems(many)));
    const oneOrder = await acceptOrder(h, grantGems(one));

    expect((await playersOfJobs('waiting')).filter((player) => player === many)).toHaveLength(1);
    expect((await playersOfJobs('waiting')).filter((player) => player === one)).toHaveLength(1);

    const job = await h.queue.getJob((await h.queue.getDeduplicationJobId(many))!);
    await processorFor(h)(job!);
    expect(await statusesOf(h, ...manyOrders)).toEqual(manyOrders.map(() => 'succeeded'));
    expect(await statusesOf(h, oneOrder)).toEqual(['queued']);
    expect(await h.balance(many, GEMS)).toBe(500);

    // The sweeper (or an ops retry) finds the player's waiting job and adds none.
    expect(await enqueueAgain(h.queue, { order_id: oneOrder, player_uuid: one })).toBe(false);
    expect((await playersOfJobs('waiting')).filter((player) => player === one)).toHaveLength(1);
  });

  it("accepted after the player's running job last looked get a job of their own once it finishes", async () => {
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
        if (job.data.player_uuid !== player) return;
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
      expect(await countJobs(h.queue)).toMatchObject({ active: 1, waiting: 0 });

      // Both arrive while the job that applied the first is still active: neither is lost.
      const second = await acceptOrder(h, grantGems(player));
      const third = await acceptOrder(h, grantGems(player));
      expect(await countJobs(h.queue)).toMatchObject({ active: 1, waiting: 0 });
      // The sweeper, meeting them now, would not trust the active job with them either.
      expect(await enqueueAgain(h.queue, { order_id: second, player_uuid: player })).toBe(true);
      expect(await countJobs(h.queue)).toMatchObject({ active: 1, waiting: 0 });
      release();
      await until(
        async () => (await statusesOf(h, second, third)).join() === 'succeeded,succeeded',
        'the orders accepted meanwhile to apply',
      );
      expect(await h.balance(player, GEMS)).toBe(300);
      // Two jobs in all for three orders: the first, and one for what came while it ran.
      await until(
        async () => (await playersOfJobs('completed')).filter((one) => one === player).length === 2,
        'both jobs to complete',
      );
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });
});
