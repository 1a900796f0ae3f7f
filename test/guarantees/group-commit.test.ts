import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { applyOrderGroup, type GroupRequest } from '../../src/stores/apply-orders.js';
import { CatalogCache } from '../../src/stores/catalog-store.js';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { bundleAndClaimsCatalog, HAT, PROMO } from '../fixtures/bundle-and-claims-catalog.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { spendAllButLastAttempt, statusesOf, waitForOrders } from '../helpers/orders.js';
import { liveJobOfPlayer } from '../../src/queue/order-queue.js';
import { acceptOrder, jobFor, poisonOrders, processorFor } from '../helpers/processor.js';
import { killStartedProcesses, startWorkerProcess } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

/**
 * Group commit: a worker applies the jobs it holds at once in one transaction, whatever players they
 * belong to. A player another transaction holds is skipped and asked for again, never waited for;
 * a write the database refuses fails only its own order; a worker killed mid-group leaves nothing
 * half-applied. Every order is still applied once, in its player's accept order.
 */

/** The transaction that last wrote each order (xmin): orders written by one commit share it. */
async function writersOf(h: Harness, orderIds: string[]): Promise<Set<string>> {
  const rows = await h.sql<{ writer: string }>(
    'select xmin::text as writer from player_order where order_id in (?)',
    [orderIds],
  );
  return new Set(rows.map((row) => row.writer));
}

/** A connection holding a player's row lock until released, as another worker's transaction would. */
async function holdPlayer(h: Harness, player: string): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: h.config.DATABASE_URL });
  await client.connect();
  await client.query('insert into player (player_uuid) values ($1) on conflict do nothing', [player]);
  await client.query('begin');
  await client.query('select 1 from player where player_uuid = $1 for update', [player]);
  return {
    release: async () => {
      await client.query('commit');
      await client.end();
    },
  };
}

/** Each order's applied_seq, in the order given. */
async function appliedSeqsOf(h: Harness, orderIds: string[]): Promise<number[]> {
  const rows = await h.sql<{ order_id: string; applied_seq: string }>(
    'select order_id, applied_seq from player_order where order_id in (?)',
    [orderIds],
  );
  return orderIds.map((orderId) => Number(rows.find((row) => row.order_id === orderId)?.applied_seq));
}

describe('the jobs a worker holds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  const accept = (order: Record<string, unknown>) => acceptOrder(h, order);

  it('are applied together: many players, one transaction', async () => {
    const players = Array.from({ length: 6 }, newPlayer);
    const orders = await Promise.all(
      players.map(async (player) => ({ player, id: await accept(grantGems(player)) })),
    );
    const processor = processorFor(h);
    await Promise.all(orders.map(({ player }) => processor(jobFor(h, player))));

    expect(await statusesOf(h, ...orders.map((order) => order.id))).toEqual(players.map(() => 'succeeded'));
    expect(
      (
        await writersOf(
          h,
          orders.map((order) => order.id),
        )
      ).size,
    ).toBe(1);
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('with a poison order among them: only it errors, and every other player is applied', async () => {
    const [first, poisoned, last] = [newPlayer(), newPlayer(), newPlayer()];
    const poison = await poisonOrders(h);
    const lines: { msg: string; requests?: number }[] = [];
    const logger = createLogger('warn', 'armory-test', {
      write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }),
    });
    const firstOrder = await accept(grantGems(first));
    const poisonOrder = await accept({ ...grantGems(poisoned), order_id: `poison-${poisoned}` });
    const behindPoison = await accept(grantGems(poisoned));
    const lastOrder = await accept(grantGems(last));
    // Its earlier attempts failed too: this one is its last.
    await spendAllButLastAttempt(h, poisonOrder);
    try {
      const processor = processorFor(h, logger);
      const lastAttempt = h.config.JOB_ATTEMPTS - 1;

      const [firstJob, poisonJob, lastJob] = await Promise.allSettled([
        processor(jobFor(h, first, lastAttempt)),
        processor(jobFor(h, poisoned, lastAttempt)),
        processor(jobFor(h, last, lastAttempt)),
      ]);
      expect(
        lines.find((line) => line.msg === 'group failed; applying its requests one by one'),
      ).toMatchObject({
        requests: 3,
      });
      expect([firstJob.status, poisonJob.status, lastJob.status]).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(String((poisonJob as PromiseRejectedResult).reason)).toMatch(/poison order refused/);
      expect(await statusesOf(h, firstOrder, poisonOrder, behindPoison, lastOrder)).toEqual([
        'succeeded',
        'errored',
        'queued',
        'succeeded',
      ]);
    } finally {
      await poison.cure();
    }
    // The order behind the poison is handed to a job of its player's own, which applies it.
    const handedOff = await liveJobOfPlayer(h.queues, poisoned);
    expect(handedOff?.state).toBe('waiting');
    await processorFor(h)((await h.queue.getJob(handedOff!.jobId))!);
    expect(await statusesOf(h, behindPoison)).toEqual(['succeeded']);
    expect([
      await h.balance(first, GEMS),
      await h.balance(poisoned, GEMS),
      await h.balance(last, GEMS),
    ]).toEqual([100, 100, 100]);
  });
});

describe('two groups that share a player', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  const applyGroup = (requests: GroupRequest[]) =>
    applyOrderGroup(h.orm.em.fork(), requests, {
      catalogCache: new CatalogCache(),
      maxOrders: 2,
      promotionFailureLimit: 10,
      promotionFailureWindowSeconds: 60,
    });

  it('skip the player one holds, never waiting for it, and apply each of its orders once, in order', async () => {
    const [a, shared, c] = [newPlayer(), newPlayer(), newPlayer()];
    const aOrder = await acceptOrder(h, grantGems(a));
    const cOrder = await acceptOrder(h, grantGems(c));
    const sharedOrders: string[] = [];
    for (let i = 0; i < 7; i++) sharedOrders.push(await acceptOrder(h, grantGems(shared)));
    const lastShared = sharedOrders[sharedOrders.length - 1]!;
    const groupOne = [
      { playerUuid: a, maxOrders: 2 },
      { playerUuid: shared, maxOrders: 2 },
    ];
    const groupTwo = [
      { playerUuid: shared, maxOrders: 2 },
      { playerUuid: c, maxOrders: 2 },
    ];

    // While another transaction holds the shared player, both groups go on without it.
    const holder = await holdPlayer(h, shared);
    const [one, two] = await Promise.all([applyGroup(groupOne), applyGroup(groupTwo)]);
    expect([one.outcomes, two.outcomes]).toEqual([
      ['done', 'skipped'],
      ['skipped', 'done'],
    ]);
    expect(await statusesOf(h, aOrder, cOrder, sharedOrders[0]!)).toEqual([
      'succeeded',
      'succeeded',
      'queued',
    ]);
    await holder.release();

    // Then both race for it, two orders a turn (the one that loses a turn skips it), until its last
    // order is final; after that, each group finds nothing left waiting.
    for (let round = 0; (await statusesOf(h, lastShared))[0] === 'queued'; round++) {
      expect(round).toBeLessThan(20);
      await Promise.all([applyGroup(groupOne), applyGroup(groupTwo)]);
    }
    expect((await applyGroup(groupOne)).outcomes).toEqual(['done', 'done']);
    expect((await applyGroup(groupTwo)).outcomes).toEqual(['done', 'done']);
    expect(await statusesOf(h, ...sharedOrders)).toEqual(sharedOrders.map(() => 'succeeded'));
    expect(await appliedSeqsOf(h, sharedOrders)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await h.balance(shared, GEMS)).toBe(700);
    const attempts = await h.sql<{ attempts: number }>(
      'select attempts from player_order where order_id in (?)',
      [sharedOrders],
    );
    expect(attempts.map((row) => row.attempts)).toEqual(sharedOrders.map(() => 1));
  });

  it('as two workers given the same jobs at once: every order applied once, in accept order', async () => {
    const players = Array.from({ length: 10 }, newPlayer);
    const orders: { player: string; id: string }[] = [];
    for (let round = 0; round < 4; round++) {
      for (const player of players) orders.push({ player, id: await acceptOrder(h, grantGems(player)) });
    }
    const [one, two] = [processorFor(h), processorFor(h)];
    await Promise.all(orders.flatMap(({ player }) => [one(jobFor(h, player)), two(jobFor(h, player))]));
    for (const player of players) {
      const own = orders.filter((order) => order.player === player).map((order) => order.id);
      expect(await appliedSeqsOf(h, own)).toEqual([1, 2, 3, 4]);
      expect(await h.balance(player, GEMS)).toBe(400);
    }
  });
});

describe('the event streams a group raised', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: baseCatalog });
  });
  afterAll(() => h.close());

  it('name each subscription and player with new events once, however many orders the group made final', async () => {
    const urls = ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b'];
    const put = await h.admin('PUT', '/v1/admin/subscriptions', {
      subscriptions: urls.map((url) => ({
        url,
        events: ['order.finished'],
        secret: `whsec_${randomBytes(24).toString('base64')}`,
      })),
    });
    expect(put.status).toBe(200);
    const subscriptionIds = (put.body as { subscriptions: { subscription_id: string }[] }).subscriptions.map(
      (subscription) => subscription.subscription_id,
    );
    const players = [newPlayer(), newPlayer(), newPlayer()];
    for (const player of [...players, ...players]) await acceptOrder(h, grantGems(player));

    const { finished, eventStreams } = await applyOrderGroup(
      h.orm.em.fork(),
      players.map((playerUuid) => ({ playerUuid, maxOrders: 2 })),
      {
        catalogCache: new CatalogCache(),
        maxOrders: 10,
        promotionFailureLimit: 10,
        promotionFailureWindowSeconds: 60,
      },
    );

    expect(finished).toHaveLength(6);
    const key = ({ subscriptionId, playerUuid }: { subscriptionId: string; playerUuid: string }) =>
      `${subscriptionId}:${playerUuid}`;
    expect(eventStreams.map(key).sort()).toEqual(
      subscriptionIds
        .flatMap((subscriptionId) => players.map((playerUuid) => key({ subscriptionId, playerUuid })))
        .sort(),
    );
  });
});

describe('promotion counts, read without a lock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, catalog: bundleAndClaimsCatalog });
  });
  afterAll(() => h.close());

  const redeem = (player: string, code: string) => ({
    player_uuid: player,
    entries: [{ type: 'promotion_code', external_tran_id: code }],
  });
  const resultOf = async (orderId: string) => {
    const [row] = await h.sql<{ entries: { result: string }[] }>(
      'select entries from player_order where order_id = ?',
      [orderId],
    );
    return row!.entries[0]!.result;
  };
  const usesOf = async (code: string) =>
    (await h.sql<{ uses: number }>('select uses from promotion where code = ?', [code]))[0]!.uses;

  it('a group that read a count another group raised meanwhile runs again, with it locked', async () => {
    const player = newPlayer();
    const orderId = await acceptOrder(h, redeem(player, PROMO.oneUse));
    // Another transaction takes the last use, and commits only once this group has read the count.
    const other = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await other.connect();
    await other.query('begin');
    await other.query('update promotion set uses = uses + 1 where code = $1', [PROMO.oneUse]);
    const processed = processorFor(h)(jobFor(h, player));
    await until(async () => {
      const rows = await h.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return rows[0]!.n > 0;
    }, 'the group to wait for the count at its write-back');
    await other.query('commit');
    await other.end();
    await processed;

    expect(await resultOf(orderId)).toBe('promotion_no_uses_left');
    expect(await usesOf(PROMO.oneUse)).toBe(1);
    expect(await h.balance(player, HAT)).toBe(0);
  });

  it('each player of a group is held to their own claims, whoever else redeems the code', async () => {
    const players = [newPlayer(), newPlayer(), newPlayer()];
    const redeemAll = async () => {
      const orders = await Promise.all(
        players.map(async (player) => ({ player, id: await acceptOrder(h, redeem(player, PROMO.open)) })),
      );
      const processor = processorFor(h);
      await Promise.all(orders.map(({ player }) => processor(jobFor(h, player))));
      return Promise.all(orders.map(({ id }) => resultOf(id)));
    };
    // PROMO.open allows one claim per player: each group holds all three players.
    expect(await redeemAll()).toEqual(['success', 'success', 'success']);
    expect(await redeemAll()).toEqual(players.map(() => 'promotion_claimed_already'));
  });

  it('two workers racing for a code with max_uses 100 grant exactly 100', async () => {
    const players = Array.from({ length: 130 }, newPlayer);
    const orders = await Promise.all(
      players.map(async (player) => ({ player, id: await acceptOrder(h, redeem(player, PROMO.hundred)) })),
    );
    const [one, two] = [processorFor(h), processorFor(h)];
    await Promise.all(orders.map(({ player }, index) => (index % 2 ? one : two)(jobFor(h, player))));

    const results = await Promise.all(orders.map(({ id }) => resultOf(id)));
    expect(results.filter((result) => result === 'success')).toHaveLength(100);
    expect(results.filter((result) => result === 'promotion_no_uses_left')).toHaveLength(30);
    expect(await usesOf(PROMO.hundred)).toBe(100);
  });
});

describe('a player held elsewhere for longer than DB_LOCK_TIMEOUT_MS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      worker: false,
      catalog: baseCatalog,
      env: { DB_LOCK_TIMEOUT_MS: '300', JOB_ATTEMPTS: '2' },
    });
  });
  afterAll(() => h.close());

  it('fails the attempt, as waiting that long for its lock would, and the last attempt errors the order', async () => {
    const player = newPlayer();
    const orderId = await acceptOrder(h, grantGems(player));
    const holder = await holdPlayer(h, player);
    try {
      await expect(processorFor(h)(jobFor(h, player))).rejects.toThrow(
        /player held by another transaction for over 300 ms/,
      );
      expect(await statusesOf(h, orderId)).toEqual(['queued']);
      const lastAttempt = h.config.JOB_ATTEMPTS - 1;
      await expect(processorFor(h)(jobFor(h, player, lastAttempt))).rejects.toThrow(/held by another/);
      expect(await statusesOf(h, orderId)).toEqual(['errored']);
    } finally {
      await holder.release();
    }
    expect(await h.balance(player, GEMS)).toBe(0);
  });
});

describe('a worker killed with SIGKILL mid-group', () => {
  let h: Harness;
  const blockers: pg.Client[] = [];

  /** Holds an order's row lock: a group writing that order back waits for it, mid-transaction. */
  const holdOrder = async (orderId: string) => {
    const client = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await client.connect();
    blockers.push(client);
    await client.query('begin');
    await client.query('select 1 from player_order where order_id = $1 for update', [orderId]);
    return { release: () => client.query('commit') };
  };

  const workerWaitsOnALock = async () => {
    const rows = await h.sql<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0]!.n > 0;
  };

  /** The players whose rows another transaction holds right now. */
  const playersHeldElsewhere = async (players: string[]) => {
    const free = await h.sql<{ player_uuid: string }>(
      'select player_uuid from player where player_uuid in (?) for update skip locked',
      [players],
    );
    return players.filter((player) => !free.some((row) => row.player_uuid === player));
  };

  beforeAll(async () => {
    // No worker in this process: only the child processes take jobs. Short job locks so that the
    // dead worker's jobs are taken over quickly. One group at a time, so that the players held
    // elsewhere are exactly those of the group waiting on the last order.
    h = await startHarness({
      worker: false,
      env: {
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_STALLED_INTERVAL_MS: '1000',
        WORKER_GROUPS_IN_FLIGHT: '1',
      },
      catalog: baseCatalog,
    });
  });
  afterEach(async () => {
    killStartedProcesses();
    for (const client of blockers.splice(0)) await client.end().catch(() => undefined);
  });
  afterAll(() => h.close());

  it('leaves every order of the group queued, and the next worker applies each once', async () => {
    const players = Array.from({ length: 5 }, newPlayer);
    const orders: string[] = [];
    for (const player of players) orders.push(await acceptOrder(h, grantGems(player)));
    // The first order's group waits at its write-back; meanwhile the other jobs reach the worker and
    // form the next group, which waits on the last order (or the first group held them all).
    const firstHeld = await holdOrder(orders[0]!);
    const lastHeld = await holdOrder(orders[orders.length - 1]!);
    const first = startWorkerProcess(h.childEnv);
    await until(workerWaitsOnALock, 'the worker to wait on the first order');
    await firstHeld.release();

    // The group then waiting on the last order holds its players' rows: more than one of them.
    let inFlight: string[] = [];
    await until(async () => {
      inFlight = await playersHeldElsewhere(players);
      return (await workerWaitsOnALock()) && inFlight.length > 1;
    }, 'a group of several players to wait on the last order');

    first.child.kill('SIGKILL');
    await first.exited;
    await lastHeld.release();
    const inFlightOrders = orders.filter((_, index) => inFlight.includes(players[index]!));
    expect(await statusesOf(h, ...inFlightOrders)).toEqual(inFlightOrders.map(() => 'queued'));

    startWorkerProcess(h.childEnv);
    const finals = await waitForOrders(h, orders);
    expect(finals.map((order: { status: string }) => order.status)).toEqual(orders.map(() => 'succeeded'));
    for (const player of players) expect(await h.balance(player, GEMS)).toBe(100);
  });
});
