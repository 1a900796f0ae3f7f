import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOrderQueues, createProducerConnection, liveJobOfPlayer } from '../../src/queue/order-queue.js';
import { recordFailedAttempt } from '../../src/stores/order-store.js';
import { createOrderProcessor } from '../../src/workers/order-worker.js';
import { lockPlayers, saveGroupState } from '../../src/stores/player-store.js';
import { baseCatalog, buySwords, GEMS, grantGems, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { attemptsOf, results, spendAllButLastAttempt, statusesOf, waitForOrders } from '../helpers/orders.js';
import { acceptOrder, jobFor, poisonOrders, processorDeps, processorFor } from '../helpers/processor.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

/**
 * Guarantee 2 with an order that errors: the player's later orders are not held back, a retried
 * order takes effect when it is retried, and every final order says where it stands in the player's
 * effect order (applied_seq).
 */

const statusOf = async (h: Harness, orderId: string) => (await statusesOf(h, orderId))[0];

describe('an order that errors, then is retried', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '50' }, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  it('holds nothing back, takes effect when retried, and applied_seq says so', async () => {
    const player = newPlayer();
    const poison = await poisonOrders(h);
    const grantId = `poison-grant-${player}`;
    const purchaseId = `purchase-${player}`;
    try {
      // A grant of 100 gems that cannot be written, then a purchase that needs them.
      expect((await h.server('POST', '/v1/orders', { ...grantGems(player), order_id: grantId })).status).toBe(
        202,
      );
      expect(
        (await h.server('POST', '/v1/orders', { ...buySwords(player), order_id: purchaseId })).status,
      ).toBe(202);

      // The purchase is not held back behind the failing grant, and is never errored for it.
      const [purchase] = await waitForOrders(h, [purchaseId]);
      expect(purchase.status).toBe('failed');
      expect(results(purchase)).toEqual(['cannot_afford_price']);
      expect(purchase.applied_seq).toBe(1);
      await until(async () => (await statusOf(h, grantId)) === 'errored', 'the grant to error');
      const errored = (await h.server('GET', `/v1/orders/${grantId}`)).body;
      expect(errored.status).toBe('errored');
      expect(errored.applied_seq).toBeNull();
    } finally {
      await poison.cure();
    }

    // Ops retry the grant: it takes effect now, after the purchase.
    expect((await h.admin('POST', `/v1/admin/orders/${grantId}/retry`)).status).toBe(202);
    const [grant] = await waitForOrders(h, [grantId]);
    expect(grant.status).toBe('succeeded');
    expect(grant.applied_seq).toBe(2);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect(await h.balance(player, SWORD)).toBe(0);

    // Lists say the same: accept order for the listing, applied_seq for what came first.
    const listed = (await h.server('GET', `/v1/players/${player}/orders`)).body.orders;
    expect(
      listed.map((order: { order_id: string; applied_seq: number }) => [order.order_id, order.applied_seq]),
    ).toEqual([
      [purchaseId, 1],
      [grantId, 2],
    ]);
    // A later order comes after both.
    const later = await h.submit(buySwords(player));
    expect(later.body.status).toBe('succeeded');
    expect(later.body.applied_seq).toBe(3);
  });

  it('gives each of two failing orders in a row attempts of its own, then applies the order behind them', async () => {
    const player = newPlayer();
    const poison = await poisonOrders(h);
    const ids = [`poison-a-${player}`, `poison-b-${player}`, `grant-${player}`];
    try {
      for (const orderId of ids) {
        expect(
          (await h.server('POST', '/v1/orders', { ...grantGems(player), order_id: orderId })).status,
        ).toBe(202);
      }
      await until(
        async () => (await statusesOf(h, ...ids)).join() === 'errored,errored,succeeded',
        'both failing orders to error and the grant to apply',
      );
    } finally {
      await poison.cure();
    }
    // Each failing order used every attempt of its own, whichever jobs made them.
    expect(await attemptsOf(h, ids[0]!, ids[1]!)).toEqual([2, 2]);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it("numbers a player's final orders 1, 2, 3 in the order they took effect, per player", async () => {
    const [a, b] = [newPlayer(), newPlayer()];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const player of [a, b]) {
        const response = await h.server('POST', '/v1/orders', grantGems(player));
        expect(response.status).toBe(202);
        ids.push(response.body.order_id);
      }
    }
    const finals = await waitForOrders(h, ids);
    const seqOf = (player: string) =>
      finals.filter((order) => order.player_uuid === player).map((order) => order.applied_seq);
    expect(seqOf(a)).toEqual([1, 2, 3]);
    expect(seqOf(b)).toEqual([1, 2, 3]);
  });
});

describe('the order processor, called as a function', () => {
  let h: Harness;

  beforeAll(async () => {
    // No worker: the test delivers the jobs itself.
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  const processor = () => processorFor(h);
  const accept = (order: Record<string, unknown>) => acceptOrder(h, order);

  it('after a failed batch, goes on one order at a time until the player has nothing waiting', async () => {
    const player = newPlayer();
    const first = await accept(grantGems(player));
    const second = await accept(grantGems(player));
    // Any write of more than one order at once is refused; one at a time goes through.
    await h.sql(`create function refuse_batches() returns trigger language plpgsql as $$
      begin
        if (select count(*) from changed) > 1 then raise exception 'batch refused'; end if;
        return null;
      end $$`);
    await h.sql(`create trigger refuse_batches after update on player_order referencing new table as changed
                 for each statement execute function refuse_batches()`);
    try {
      await processor()(jobFor(h, player, 0));
    } finally {
      await h.sql('drop trigger refuse_batches on player_order');
      await h.sql('drop function refuse_batches()');
    }
    // Both applied by this one job, one after the other, not left to the sweeper.
    expect([await statusOf(h, first), await statusOf(h, second)]).toEqual(['succeeded', 'succeeded']);
    expect(await h.balance(player, GEMS)).toBe(200);
  });

  it('a batch whose order was errored underneath it (without the player lock) rolls back, changing nothing', async () => {
    const player = newPlayer();
    const orderId = await accept(grantGems(player));
    // Ops (or a job's last attempt) gave up on it while a batch was applying it.
    expect(await recordFailedAttempt(h.orm.em.fork(), player, 'gave up', null, 1)).toEqual({
      orderId,
      errored: true,
      nextOrderId: null,
    });
    const write = h.orm.em.fork().transactional(async (tx) => {
      await lockPlayers(tx, [player]);
      const record = {
        inventory_id: randomUUID(),
        type: 'persistent' as const,
        legacy_inventory_id: 1,
        bucket: 'free' as const,
        count: 100,
        acquired: new Date().toISOString(),
        expires: null,
        custom_data: {},
        item_id: GEMS,
        collection_id: 'default',
        stack_id: 'default',
        display_properties: null,
      };
      await saveGroupState(tx, [
        {
          playerUuid: player,
          inventory: { inserted: [record], updated: [], deleted: [] },
          nextLegacyInventoryId: 2,
          nextAppliedSeq: 2,
          nextHistorySeq: 1,
          history: [],
          outcomes: [
            {
              order_id: orderId,
              status: 'succeeded',
              applied_seq: 1,
              entries: [],
              collection_etags: {},
              refund_of: null,
            },
          ],
        },
      ]);
    });
    await expect(write).rejects.toThrow(/no longer queued/);
    expect(await statusOf(h, orderId)).toBe('errored');
    expect(await h.balance(player, GEMS)).toBe(0);
  });

  it('errors only the order that fails, at its last attempt, and hands the orders behind it a job', async () => {
    const player = newPlayer();
    const poison = await poisonOrders(h);
    const before = await accept(grantGems(player));
    const failing = await accept({ ...grantGems(player), order_id: `poison-${player}` });
    const behind = await accept(grantGems(player));
    const jobs = await h.queue.getJobs(['waiting']);
    try {
      // Attempts before the last apply what comes before the failing order, and error nothing.
      for (let attempt = 0; attempt < h.config.JOB_ATTEMPTS - 1; attempt++) {
        await expect(processor()(jobFor(h, player, attempt))).rejects.toThrow(/poison order refused/);
        expect(await statusesOf(h, before, failing, behind)).toEqual(['succeeded', 'queued', 'queued']);
        expect(await attemptsOf(h, failing)).toEqual([attempt + 1]);
      }
      await expect(processor()(jobFor(h, player, h.config.JOB_ATTEMPTS - 1))).rejects.toThrow(
        /poison order refused/,
      );
      expect(await statusesOf(h, before, failing, behind)).toEqual(['succeeded', 'errored', 'queued']);
      expect(await attemptsOf(h, failing)).toEqual([h.config.JOB_ATTEMPTS]);
    } finally {
      await poison.cure();
    }
    // The player has a new job waiting in the queue, and it applies the order behind.
    const handedOff = await liveJobOfPlayer(h.queues, player);
    expect(handedOff?.state).toBe('waiting');
    expect(jobs.map((job) => job.id)).not.toContain(handedOff!.jobId);
    await processor()((await h.queue.getJob(handedOff!.jobId))!);
    expect(await statusesOf(h, before, failing, behind)).toEqual(['succeeded', 'errored', 'succeeded']);
    expect(await h.balance(player, GEMS)).toBe(200);
  });

  it("hands the player a job on the job's last attempt when the failing order has attempts left", async () => {
    const player = newPlayer();
    const poison = await poisonOrders(h);
    const failing = await accept({ ...grantGems(player), order_id: `poison-${player}` });
    try {
      // Its first attempt was the last of a job that had failed on something else before.
      await expect(processor()(jobFor(h, player, h.config.JOB_ATTEMPTS - 1))).rejects.toThrow(
        /poison order refused/,
      );
      expect(await statusesOf(h, failing)).toEqual(['queued']);
      expect(await attemptsOf(h, failing)).toEqual([1]);
      expect((await liveJobOfPlayer(h.queues, player))?.state).toBe('waiting');
    } finally {
      await poison.cure();
    }
  });

  it("still fails with the order's own error when the orders behind it cannot be enqueued", async () => {
    const player = newPlayer();
    const poison = await poisonOrders(h);
    const failing = await accept({ ...grantGems(player), order_id: `poison-${player}` });
    const behind = await accept(grantGems(player));
    // A queue whose connection to Redis drops once it is up.
    const proxy = new TcpProxy('127.0.0.1', 6379);
    await proxy.start();
    const config = loadConfig({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      QUEUE_PREFIX: h.config.QUEUE_PREFIX,
    });
    const connection = createProducerConnection(config);
    connection.on('error', () => undefined);
    const unreachable = createOrderQueues(config, connection, createLogger('silent', 'armory-test'));
    await unreachable.shards[0]!.waitUntilReady();
    await proxy.cut();
    try {
      await spendAllButLastAttempt(h, failing);
      const processor = createOrderProcessor({ ...processorDeps(h), queue: unreachable });
      await expect(processor(jobFor(h, player, h.config.JOB_ATTEMPTS - 1))).rejects.toThrow(
        /poison order refused/,
      );
      expect(await statusesOf(h, failing, behind)).toEqual(['errored', 'queued']);
    } finally {
      await poison.cure();
      connection.disconnect();
      await proxy.stop();
    }
  });

  it('never charges an order for the failure of the order ahead of it', async () => {
    const player = newPlayer();
    const ahead = await accept(grantGems(player));
    const behind = await accept(grantGems(player));
    const charge = (orderId: string, maxAttempts: number) =>
      recordFailedAttempt(h.orm.em.fork(), player, 'its failure', orderId, maxAttempts);
    // The group that failed was applying `ahead`: `behind` is not the player's next order.
    expect(await charge(behind, 1)).toBeNull();
    expect(await statusesOf(h, ahead, behind)).toEqual(['queued', 'queued']);
    expect(await attemptsOf(h, ahead, behind)).toEqual([0, 0]);
    // Charged, with attempts left: still queued.
    expect(await charge(ahead, 2)).toEqual({ orderId: ahead, errored: false, nextOrderId: behind });
    expect(await statusesOf(h, ahead, behind)).toEqual(['queued', 'queued']);
    expect(await charge(ahead, 2)).toEqual({ orderId: ahead, errored: true, nextOrderId: behind });
    expect(await statusesOf(h, ahead, behind)).toEqual(['errored', 'queued']);
    expect(await attemptsOf(h, ahead, behind)).toEqual([2, 0]);
  });
});
