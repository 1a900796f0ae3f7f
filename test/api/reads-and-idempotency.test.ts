import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BADGE,
  baseCatalog,
  buySwords,
  GEM_GRANT,
  GEMS,
  grantGems,
  SHIELD,
  SWORD,
} from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';
import { expectErrorBody, expectNoLeak, expectValidation } from '../helpers/responses.js';

/**
 * Contract section 5 (submit idempotency, reading orders) and 6 (reading inventory).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

let orderSeq = 0;
const uniqueOrderId = (label: string) => `${label}-${process.pid}-${Date.now()}-${++orderSeq}`;

const ordersOf = (player: string) => h.orderCount(player);

async function rowsWithOrderId(orderId: string): Promise<number> {
  const rows = await h.sql<{ n: number }>('select count(*)::int as n from player_order where order_id = ?', [
    orderId,
  ]);
  return rows[0]!.n;
}

const waitFinal = (orderId: string) =>
  h.server('GET', `/v1/orders/${orderId}`, undefined, { prefer: 'wait=20' });

interface OrderPage {
  orders: { order_id: string; status: string }[];
  next_cursor: string | null;
}

interface InventoryPage {
  inventory: InventoryRecord[];
  next_cursor: string | null;
}

/** Follows next_cursor from the first page to the last; every page must be a 200. */
async function walk<T>(
  path: (cursor: string | null) => string,
  rowsOf: (body: unknown) => T[],
  limit: number,
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await h.server('GET', path(cursor));
    expect(response.status).toBe(200);
    const pageRows = rowsOf(response.body);
    expect(pageRows.length).toBeLessThanOrEqual(limit);
    rows.push(...pageRows);
    cursor = response.body.next_cursor as string | null;
    if (cursor !== null) {
      expect(typeof cursor).toBe('string');
      expect(pageRows).toHaveLength(limit);
    }
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor !== null);
  return { rows, pages };
}

describe('idempotency by order_id', () => {
  it('the same order_id and body again is a 200 replay of the same order, applied once', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), order_id: uniqueOrderId('replay') };
    const first = await h.submit(order);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await h.submit(order);
    expectNoLeak(again);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);

    // Without Prefer: wait too.
    const third = await h.server('POST', '/v1/orders', order);
    expect(third.status).toBe(200);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body).toEqual(first.body);

    expect(await rowsWithOrderId(order.order_id)).toBe(1);
    expect(await ordersOf(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect((await h.server('GET', `/v1/orders/${order.order_id}`)).body).toEqual(first.body);
  });

  it('the same body with its fields in another order is the same body', async () => {
    const player = newPlayer();
    const orderId = uniqueOrderId('reordered');
    const first = await h.submit({
      order_id: orderId,
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    expect(first.status).toBe(200);
    const again = await h.submit({
      entries: [{ quantity: 1, loot_id: GEM_GRANT, type: 'fill_loot' }],
      player_uuid: player,
      order_id: orderId,
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.order_id).toBe(orderId);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('the same order_id with a different body is a 409 idempotency_conflict and changes nothing', async () => {
    const player = newPlayer();
    const otherPlayer = newPlayer();
    const orderId = uniqueOrderId('conflict');
    const first = await h.submit({ ...grantGems(player), order_id: orderId });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');

    for (const different of [
      { ...grantGems(player, 2), order_id: orderId },
      { ...grantGems(otherPlayer), order_id: orderId },
      { ...grantGems(player), order_id: orderId, is_transaction: true },
      { ...buySwords(player), order_id: orderId },
    ]) {
      const response = await h.server('POST', '/v1/orders', different, { prefer: 'wait=5' });
      expectErrorBody(response, 409, 'idempotency_conflict');
      expect(response.headers.get('idempotent-replayed')).toBeNull();
    }

    expect(await rowsWithOrderId(orderId)).toBe(1);
    expect((await h.server('GET', `/v1/orders/${orderId}`)).body).toEqual(first.body);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect(await h.balance(player, SWORD)).toBe(0);
    expect(await ordersOf(otherPlayer)).toBe(0);
    expect(await h.balance(otherPlayer, GEMS)).toBe(0);
  });

  it('one order_id submitted at once for different players: one order, the rest 409, their batch-mates stored', async () => {
    const orderId = uniqueOrderId('cross');
    const claimants = Array.from({ length: 6 }, newPlayer);
    const bystanders = Array.from({ length: 6 }, newPlayer);
    // Submitted together, they are stored together: one statement fails on the taken id, and the
    // batch is stored again one order at a time.
    const responses = await Promise.all([
      ...claimants.map((player) =>
        h.server('POST', '/v1/orders', { ...grantGems(player), order_id: orderId }),
      ),
      ...bystanders.map((player) => h.server('POST', '/v1/orders', grantGems(player))),
    ]);
    const claims = responses.slice(0, claimants.length);
    const winners = claims.filter((response) => response.status === 202);
    expect(winners).toHaveLength(1);
    for (const response of claims.filter((candidate) => candidate !== winners[0])) {
      expectErrorBody(response, 409, 'idempotency_conflict');
    }
    expect(responses.slice(claimants.length).map((response) => response.status)).toEqual(
      bystanders.map(() => 202),
    );

    expect((await waitFinal(orderId)).body.status).toBe('succeeded');
    expect(await rowsWithOrderId(orderId)).toBe(1);
    const winner = winners[0]!.body.player_uuid as string;
    for (const player of claimants) expect(await h.balance(player, GEMS)).toBe(player === winner ? 100 : 0);
    for (const response of responses.slice(claimants.length)) {
      expect((await waitFinal(response.body.order_id as string)).body.status).toBe('succeeded');
    }
  });

  it('concurrent duplicates resolve to one order, the others replays', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), order_id: uniqueOrderId('concurrent') };
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => h.server('POST', '/v1/orders', order)),
    );
    for (const response of responses) {
      expectNoLeak(response);
      expect(response.body.order_id).toBe(order.order_id);
    }
    const fresh = responses.filter((response) => response.headers.get('idempotent-replayed') === null);
    const replays = responses.filter((response) => response.headers.get('idempotent-replayed') === 'true');
    expect(fresh).toHaveLength(1);
    expect([200, 202]).toContain(fresh[0]!.status);
    expect(replays).toHaveLength(5);
    for (const replay of replays) expect(replay.status).toBe(200);

    expect((await waitFinal(order.order_id)).body.status).toBe('succeeded');
    expect(await rowsWithOrderId(order.order_id)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('idempotency fingerprint', () => {
  it('a default spelled out (is_transaction: false, a null field) is the same body: a replay, not a 409', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), order_id: `fp-${randomUUID()}` };
    expect((await h.submit(order)).status).toBe(200);
    const spelledOut = {
      ...order,
      is_transaction: false,
      match_id: null,
      entries: order.entries.map((entry) => ({ ...entry, use_inventory_bucket: null })),
    };
    const replay = await h.server('POST', '/v1/orders', spelledOut);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('idempotency by (player_uuid, client_order_ref_id)', () => {
  it('the same ref and body without order_id is a 200 replay of the first order, applied once', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), client_order_ref_id: 'ref-1' };
    const first = await h.submit(order);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');
    expect(first.body.client_order_ref_id).toBe('ref-1');
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await h.submit(order);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);

    expect(await ordersOf(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('the same ref with a different body is a 409 and changes nothing', async () => {
    const player = newPlayer();
    const first = await h.submit({ ...grantGems(player), client_order_ref_id: 'ref-2' });
    expect(first.status).toBe(200);

    for (const different of [
      { ...grantGems(player, 3), client_order_ref_id: 'ref-2' },
      { ...grantGems(player), client_order_ref_id: 'ref-2', source: 'SUPPORT' },
      { ...grantGems(player), client_order_ref_id: 'ref-2', order_id: uniqueOrderId('ref-2') },
    ]) {
      const response = await h.server('POST', '/v1/orders', different, { prefer: 'wait=5' });
      expectErrorBody(response, 409, 'idempotency_conflict');
    }

    expect(await ordersOf(player)).toBe(1);
    expect((await h.server('GET', `/v1/orders/${first.body.order_id}`)).body).toEqual(first.body);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('the same ref for two different players is two orders', async () => {
    const alice = newPlayer();
    const bob = newPlayer();
    const forAlice = await h.submit({ ...grantGems(alice), client_order_ref_id: 'shared-ref' });
    const forBob = await h.submit({ ...grantGems(bob, 2), client_order_ref_id: 'shared-ref' });
    for (const response of [forAlice, forBob]) {
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('succeeded');
      expect(response.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(forAlice.body.order_id).not.toBe(forBob.body.order_id);
    expect(forAlice.body.player_uuid).toBe(alice);
    expect(forBob.body.player_uuid).toBe(bob);
    expect(await ordersOf(alice)).toBe(1);
    expect(await ordersOf(bob)).toBe(1);
    expect(await h.balance(alice, GEMS)).toBe(100);
    expect(await h.balance(bob, GEMS)).toBe(200);
  });

  it('concurrent duplicates by ref resolve to one order', async () => {
    const player = newPlayer();
    const order = { ...grantGems(player), client_order_ref_id: 'ref-concurrent' };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => h.server('POST', '/v1/orders', order)),
    );
    const ids = new Set(responses.map((response) => response.body.order_id as string));
    expect(ids.size).toBe(1);
    expect(
      responses.filter((response) => response.headers.get('idempotent-replayed') === 'true'),
    ).toHaveLength(4);
    expect((await waitFinal([...ids][0]!)).body.status).toBe('succeeded');
    expect(await ordersOf(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('GET /v1/orders/{order_id}', () => {
  it('is a 404 {error_code, desc} for an unknown id', async () => {
    expectErrorBody(await h.server('GET', `/v1/orders/${uniqueOrderId('nobody')}`), 404);
    expectErrorBody(
      await h.server('GET', `/v1/orders/${uniqueOrderId('nobody')}`, undefined, { prefer: 'wait=1' }),
      404,
    );
  });

  it('with Prefer: wait answers 200 once the order is final, with the documented fields', async () => {
    const player = newPlayer();
    const accepted = await h.server('POST', '/v1/orders', grantGems(player));
    expect(accepted.status).toBe(202);
    const orderId = accepted.body.order_id as string;

    const final = await h.server('GET', `/v1/orders/${orderId}`, undefined, { prefer: 'wait=20' });
    expectNoLeak(final);
    expect(final.status).toBe(200);
    expect(final.body).toMatchObject({
      order_id: orderId,
      player_uuid: player,
      status: 'succeeded',
      is_transaction: false,
    });
    expect(Number.isNaN(Date.parse(final.body.created_time))).toBe(false);
    expect(Number.isNaN(Date.parse(final.body.completed_time))).toBe(false);
    expect(Date.parse(final.body.completed_time)).toBeGreaterThanOrEqual(Date.parse(final.body.created_time));
    expect(final.body.entries).toHaveLength(1);
    expect(final.body.entries[0]).toMatchObject({ type: 'fill_loot', result: 'success' });
    expect(typeof final.body.entries[0].entry_id).toBe('string');
    expect(final.body.entries[0].details.length).toBeGreaterThan(0);

    // Once final, a plain GET and a waiting GET give the same 200.
    const plain = await h.server('GET', `/v1/orders/${orderId}`);
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual(final.body);
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('GET /v1/players/{player_uuid}/orders', () => {
  it('lists newest first', async () => {
    const player = newPlayer();
    const ids: string[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const response = await h.submit(grantGems(player, i));
      expect(response.status).toBe(200);
      ids.push(response.body.order_id as string);
    }
    const listed = await h.server('GET', `/v1/players/${player}/orders`);
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.body as object).sort()).toEqual(['next_cursor', 'orders']);
    const page = listed.body as OrderPage;
    expect(page.orders.map((order) => order.order_id)).toEqual([...ids].reverse());
    expect(page.next_cursor).toBeNull();
    expect(await h.balance(player, GEMS)).toBe(600);
  });

  it('filters by status', async () => {
    const player = newPlayer();
    const broke = await h.submit(buySwords(player)); // no gems yet
    expect(broke.body.status).toBe('failed');
    const granted = await h.submit(grantGems(player));
    expect(granted.body.status).toBe('succeeded');
    const mixed = await h.submit({
      player_uuid: player,
      entries: [{ type: 'summon_dragon' }, { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    expect(mixed.body.status).toBe('partially_succeeded');
    const bought = await h.submit(buySwords(player));
    expect(bought.body.status).toBe('succeeded');

    const list = async (status: string) => {
      const response = await h.server('GET', `/v1/players/${player}/orders?status=${status}`);
      expect(response.status).toBe(200);
      return (response.body as OrderPage).orders.map((order) => order.order_id);
    };
    expect(await list('succeeded')).toEqual([bought.body.order_id, granted.body.order_id]);
    expect(await list('failed')).toEqual([broke.body.order_id]);
    expect(await list('partially_succeeded')).toEqual([mixed.body.order_id]);
    expect(await list('queued')).toEqual([]);
    expect(await list('errored')).toEqual([]);

    expectValidation(await h.server('GET', `/v1/players/${player}/orders?status=done`), ['query', 'status']);
    expect(await h.balance(player, GEMS)).toBe(150);
    expect(await h.balance(player, SWORD)).toBe(1);
  });

  it('walks every page with limit and next_cursor, no duplicates and no gaps', async () => {
    const player = newPlayer();
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const response = await h.server('POST', '/v1/orders', grantGems(player));
      expect(response.status).toBe(202);
      ids.push(response.body.order_id as string);
    }
    const newestFirst = [...ids].reverse();
    for (const limit of [1, 2, 3, 7, 8]) {
      const { rows, pages } = await walk<OrderPage['orders'][number]>(
        (cursor) =>
          `/v1/players/${player}/orders?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        (body) => (body as OrderPage).orders,
        limit,
      );
      expect(rows.map((order) => order.order_id)).toEqual(newestFirst);
      expect(pages).toBe(Math.max(1, Math.ceil(7 / limit)));
    }
    expect((await waitFinal(ids[6]!)).body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(700);
  });

  it('pages taken while new orders arrive have no duplicates and no gaps', async () => {
    const player = newPlayer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await h.submit(grantGems(player))).body.order_id as string);
    const first = await h.server('GET', `/v1/players/${player}/orders?limit=2`);
    const seen = (first.body as OrderPage).orders.map((order) => order.order_id);
    await h.submit(grantGems(player)); // a newer order arrives between pages
    let cursor = (first.body as OrderPage).next_cursor;
    while (cursor) {
      const page = await h.server(
        'GET',
        `/v1/players/${player}/orders?limit=2&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body as OrderPage).orders.map((order) => order.order_id));
      cursor = (page.body as OrderPage).next_cursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(await h.balance(player, GEMS)).toBe(600);
  });

  it('filters and paginates together', async () => {
    const player = newPlayer();
    const succeeded: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      succeeded.push((await h.submit(grantGems(player))).body.order_id as string);
      expect(
        (await h.submit({ player_uuid: player, entries: [{ type: 'summon_dragon' }] })).body.status,
      ).toBe('failed');
    }
    const { rows } = await walk<OrderPage['orders'][number]>(
      (cursor) =>
        `/v1/players/${player}/orders?status=succeeded&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      (body) => (body as OrderPage).orders,
      2,
    );
    expect(rows.map((order) => order.order_id)).toEqual([...succeeded].reverse());
    expect(rows.every((order) => order.status === 'succeeded')).toBe(true);
    expect(await h.balance(player, GEMS)).toBe(300);
  });

  it('refuses a limit over 200, under 1 or not a number, and a bad cursor, with 422', async () => {
    const player = newPlayer();
    await h.submit(grantGems(player));
    expect((await h.server('GET', `/v1/players/${player}/orders?limit=200`)).status).toBe(200);
    for (const limit of ['201', '1000', '0', '-1', 'ten', '1.5']) {
      expectValidation(await h.server('GET', `/v1/players/${player}/orders?limit=${limit}`), [
        'query',
        'limit',
      ]);
    }
    for (const cursor of ['not-a-cursor', 'r.5', '-1', "1'; drop table player_order; --"]) {
      expectValidation(
        await h.server('GET', `/v1/players/${player}/orders?cursor=${encodeURIComponent(cursor)}`),
        ['query', 'cursor'],
      );
    }
    expect(await ordersOf(player)).toBe(1);
  });

  it('a player never touched has no orders', async () => {
    const response = await h.server('GET', `/v1/players/${newPlayer()}/orders`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ orders: [], next_cursor: null });
  });

  it('an invalid uuid in the path is a 422', async () => {
    expectValidation(await h.server('GET', '/v1/players/not-a-uuid/orders'), ['path', 'player_uuid']);
  });
});

describe('GET /v1/players/{player_uuid}/inventory', () => {
  /** Six records: the always-owned badge and five stored ones across items, types and buckets. */
  async function stockedPlayer(): Promise<{ player: string; all: InventoryRecord[] }> {
    const player = newPlayer();
    const response = await h.submit({
      player_uuid: player,
      entries: [
        {
          type: 'create_new_persistent_inventory',
          item_id: SWORD,
          quantity: 2,
          use_inventory_bucket: 'steam',
        },
        { type: 'create_new_transient_inventory', item_id: SHIELD, quantity: 1 },
        { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 },
        { type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 5 },
        {
          type: 'create_new_persistent_inventory',
          item_id: GEMS,
          quantity: 1,
          use_inventory_bucket: 'steam',
        },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    const all = await h.inventory(player);
    expect(all).toHaveLength(6);
    return { player, all };
  }

  const summary = (records: InventoryRecord[]) =>
    records.map((record) => `${record.item_id}/${record.type}/${record.bucket}/${record.count}`);

  const read = async (player: string, query: string): Promise<InventoryPage> => {
    const response = await h.server('GET', `/v1/players/${player}/inventory?${query}`);
    expectNoLeak(response);
    expect(response.status).toBe(200);
    return response.body as InventoryPage;
  };

  it('filters by item_id, bucket and type', async () => {
    const { player, all } = await stockedPlayer();
    expect(summary(all)).toEqual([
      `${BADGE}/always_owned/null/1`,
      `${SWORD}/persistent/steam/2`,
      `${SHIELD}/transient/free/1`,
      `${GEMS}/persistent/free/100`,
      `${SWORD}/persistent/free/5`,
      `${GEMS}/persistent/steam/1`,
    ]);

    expect(summary((await read(player, `item_id=${SWORD}`)).inventory)).toEqual([
      `${SWORD}/persistent/steam/2`,
      `${SWORD}/persistent/free/5`,
    ]);
    expect(summary((await read(player, `item_id=${BADGE}`)).inventory)).toEqual([
      `${BADGE}/always_owned/null/1`,
    ]);
    expect(summary((await read(player, 'bucket=steam')).inventory)).toEqual([
      `${SWORD}/persistent/steam/2`,
      `${GEMS}/persistent/steam/1`,
    ]);
    expect(summary((await read(player, 'bucket=free')).inventory)).toEqual([
      `${SHIELD}/transient/free/1`,
      `${GEMS}/persistent/free/100`,
      `${SWORD}/persistent/free/5`,
    ]);
    expect(summary((await read(player, 'type=transient')).inventory)).toEqual([`${SHIELD}/transient/free/1`]);
    expect(summary((await read(player, 'type=always_owned')).inventory)).toEqual([
      `${BADGE}/always_owned/null/1`,
    ]);
    expect(summary((await read(player, 'type=persistent')).inventory)).toEqual([
      `${SWORD}/persistent/steam/2`,
      `${GEMS}/persistent/free/100`,
      `${SWORD}/persistent/free/5`,
      `${GEMS}/persistent/steam/1`,
    ]);
    expect(summary((await read(player, `item_id=${SWORD}&bucket=steam&type=persistent`)).inventory)).toEqual([
      `${SWORD}/persistent/steam/2`,
    ]);
    expect((await read(player, `item_id=${SHIELD}&type=persistent`)).inventory).toEqual([]);
    expect((await read(player, 'bucket=psn')).inventory).toEqual([]);

    expectValidation(await h.server('GET', `/v1/players/${player}/inventory?bucket=moon`), [
      'query',
      'bucket',
    ]);
    expectValidation(await h.server('GET', `/v1/players/${player}/inventory?type=borrowed`), [
      'query',
      'type',
    ]);
    expectValidation(await h.server('GET', `/v1/players/${player}/inventory?item_id=gems`), [
      'query',
      'item_id',
    ]);
    // The reads changed nothing.
    expect(await h.inventory(player)).toEqual(all);
  });

  it('walks every page across always-owned and stored records, no duplicates and no gaps', async () => {
    const { player, all } = await stockedPlayer();
    for (const limit of [1, 2, 4, 5, 6, 7]) {
      const { rows, pages } = await walk<InventoryRecord>(
        (cursor) =>
          `/v1/players/${player}/inventory?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        (body) => (body as InventoryPage).inventory,
        limit,
      );
      expect(rows).toEqual(all);
      expect(new Set(rows.map((record) => record.inventory_id)).size).toBe(all.length);
      expect(pages).toBe(Math.max(1, Math.ceil(all.length / limit)));
    }
  });

  it('paginates a filtered read', async () => {
    const { player, all } = await stockedPlayer();
    const persistent = all.filter((record) => record.type === 'persistent');
    const { rows } = await walk<InventoryRecord>(
      (cursor) =>
        `/v1/players/${player}/inventory?type=persistent&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      (body) => (body as InventoryPage).inventory,
      1,
    );
    expect(rows).toEqual(persistent);
    const { rows: swords } = await walk<InventoryRecord>(
      (cursor) =>
        `/v1/players/${player}/inventory?item_id=${SWORD}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      (body) => (body as InventoryPage).inventory,
      1,
    );
    expect(swords).toEqual(all.filter((record) => record.item_id === SWORD));
  });

  it('a player never touched has only the always-owned record', async () => {
    const player = newPlayer();
    const page = await read(player, '');
    expect(page.next_cursor).toBeNull();
    expect(page.inventory).toHaveLength(1);
    expect(page.inventory[0]).toMatchObject({
      item_id: BADGE,
      type: 'always_owned',
      count: 1,
      expires: null,
    });
    expect(typeof page.inventory[0]!.inventory_id).toBe('string');
    // The record is stable: the same on every read.
    expect((await read(player, '')).inventory).toEqual(page.inventory);
    // Reading a player creates no orders.
    expect(await ordersOf(player)).toBe(0);
  });

  it('refuses a limit over 200 and a bad cursor with 422', async () => {
    const { player, all } = await stockedPlayer();
    expect((await read(player, 'limit=200')).inventory).toEqual(all);
    for (const limit of ['201', '0', 'many']) {
      expectValidation(await h.server('GET', `/v1/players/${player}/inventory?limit=${limit}`), [
        'query',
        'limit',
      ]);
    }
    for (const cursor of ['nope', 'r.', 'x.5', '5']) {
      expectValidation(
        await h.server('GET', `/v1/players/${player}/inventory?cursor=${encodeURIComponent(cursor)}`),
        ['query', 'cursor'],
      );
    }
  });

  it('an invalid uuid in the path is a 422', async () => {
    for (const bad of ['not-a-uuid', '12345', `${newPlayer()}x`]) {
      expectValidation(await h.server('GET', `/v1/players/${bad}/inventory`), ['path', 'player_uuid']);
    }
  });
});
