import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.js';
import { openOrm } from '../../src/db/orm.js';
import { migrationsList } from '../../src/db/migrations/index.js';
import { databaseUrl, dropDatabase, uniqueName } from '../helpers/database.js';

const name = uniqueName('armory_migrate');
afterAll(() => dropDatabase(name));

it('npm run migrate creates the database and applies every migration; a second run changes nothing', async () => {
  await migrateDatabase(databaseUrl(name));
  await migrateDatabase(databaseUrl(name));

  const client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  const applied = await client.query<{ n: number }>('select count(*)::int as n from mikro_orm_migrations');
  const tables = await client.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public'`,
  );
  await client.end();
  expect(applied.rows[0]!.n).toBe(migrationsList.length);
  expect(tables.rows.map((row) => row.table_name)).toEqual(
    expect.arrayContaining([
      'catalog_item',
      'catalog_loot',
      'inventory_record',
      'player',
      'player_order',
      'promotion',
      'vendor',
    ]),
  );
});

const backfilled = uniqueName('armory_migrate');
afterAll(() => dropDatabase(backfilled));

it('numbers the orders already final by when they completed, and sets each player counter after them', async () => {
  const orm = await openOrm(databaseUrl(backfilled), { poolSize: 2 });
  try {
    await orm.getMigrator().up({ to: 'Migration20261202000000OrderIdNamespaces' });
    const [a, b] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
    const sql = (text: string, params: unknown[] = []) => orm.em.fork().execute(text, params);
    await sql('insert into player (player_uuid) values (?), (?)', [a, b]);
    // Accepted in one order; the first errored, was retried, and completed last.
    const order = (id: string, player: string, status: string, completed: string | null) =>
      sql(
        `insert into player_order (order_id, player_uuid, request_hash, status, is_transaction, entries, completed_time)
         values (?, ?, 'h', ?, false, '[]', ?)`,
        [id, player, status, completed],
      );
    await order('a1', a, 'succeeded', '2026-01-01T00:00:09Z');
    await order('a2', a, 'failed', '2026-01-01T00:00:02Z');
    await order('a3', a, 'errored', '2026-01-01T00:00:03Z');
    await order('a4', a, 'queued', null);
    await order('b1', b, 'partially_succeeded', '2026-01-01T00:00:01Z');
    // One batch: b2 and b3 made final by one write, whose clock gave the later-accepted b3 the
    // earlier time. The worker applied them in accept order.
    await order('b2', b, 'queued', null);
    await order('b3', b, 'queued', null);
    await sql(
      `update player_order set status = 'succeeded',
              completed_time = case order_id when 'b2' then '2026-01-01T00:00:05.000002Z'::timestamptz
                                             else '2026-01-01T00:00:05.000001Z'::timestamptz end
        where order_id in ('b2', 'b3')`,
    );

    await orm.getMigrator().up();
    const rows = await sql('select order_id, applied_seq from player_order order by order_id');
    expect(
      rows.map((row) => [row.order_id, row.applied_seq === null ? null : Number(row.applied_seq)]),
    ).toEqual([
      ['a1', 2],
      ['a2', 1],
      ['a3', null],
      ['a4', null],
      ['b1', 1],
      ['b2', 2],
      ['b3', 3],
    ]);
    const counters = await sql('select player_uuid, next_applied_seq from player order by player_uuid');
    expect(counters.map((row) => Number(row.next_applied_seq))).toEqual([3, 4]);
    // Every stored order's id is in order_key, with its player: orders are found by id through it.
    const keys = await sql('select order_id, player_uuid from order_key order by order_id');
    expect(keys.map((row) => [row.order_id, row.player_uuid])).toEqual(
      ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3'].map((id) => [id, id.startsWith('a') ? a : b]),
    );
  } finally {
    await orm.close();
  }
});

const collections = uniqueName('armory_migrate');
afterAll(() => dropDatabase(collections));

it('puts every record stored before collections in default/default, and completes stored catalog definitions', async () => {
  const orm = await openOrm(databaseUrl(collections), { poolSize: 2 });
  try {
    await orm.getMigrator().up({ to: 'Migration20261202030000QueuedIndex' });
    const sql = (text: string, params: unknown[] = []) => orm.em.fork().execute(text, params);
    const player = '00000000-0000-4000-8000-00000000000a';
    await sql(
      `insert into inventory_record (inventory_id, player_uuid, legacy_inventory_id, item_id, type, bucket, count, acquired, custom_data)
       values (gen_random_uuid(), ?, 1, 1, 'persistent', 'free', 5, now(), '{}')`,
      [player],
    );
    await sql(
      `insert into catalog_item (id, definition) values (1, '{"id": 1, "name": "Gems", "active": true}')`,
    );
    await sql(
      `insert into catalog_loot (id, definition) values (2, '{"id": 2, "name": "Pack", "active": true}')`,
    );

    await orm.getMigrator().up();
    const [record] = await sql(
      'select collection_id, stack_id, display_properties, count from inventory_record',
    );
    expect(record).toEqual({
      collection_id: 'default',
      stack_id: 'default',
      display_properties: null,
      count: 5,
    });
    // A stack may now be kept at 0, and never below.
    await sql('update inventory_record set count = 0');
    await expect(sql('update inventory_record set count = -1')).rejects.toThrow(
      /inventory_record_count_check/,
    );
    const [item] = await sql('select definition from catalog_item');
    expect(item!.definition).toEqual({
      id: 1,
      name: 'Gems',
      active: true,
      friendly_id: null,
      currency: false,
    });
    const [loot] = await sql('select definition from catalog_loot');
    expect(loot!.definition).toEqual({ id: 2, name: 'Pack', active: true, friendly_id: null });
  } finally {
    await orm.close();
  }
});

const histories = uniqueName('armory_migrate');
afterAll(() => dropDatabase(histories));

it("fills players' history from the orders already final, a transfer's gains its receiver's", async () => {
  const orm = await openOrm(databaseUrl(histories), { poolSize: 2 });
  try {
    await orm.getMigrator().up({ to: 'Migration20261203040000LootLockerWallets' });
    const sql = (text: string, params: unknown[] = []) => orm.em.fork().execute(text, params);
    const [a, b] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
    await sql('insert into player (player_uuid) values (?), (?)', [a, b]);
    const record = (id: string, count: number) => ({
      inventory_id: id,
      item_id: 7,
      count,
      collection_id: 'default',
    });
    const change = (before: object | null, after: object | null) => ({
      type: 'inventory_change',
      loot_id: null,
      inv_change: { before, after },
    });
    const [coinsA, coinsB, hat] = [
      '00000000-0000-4000-8000-0000000000c1',
      '00000000-0000-4000-8000-0000000000c2',
      '00000000-0000-4000-8000-0000000000c3',
    ];
    const order = (id: string, player: string, seq: number, completed: string, entries: object[]) =>
      sql(
        `insert into player_order (order_id, player_uuid, request_hash, status, is_transaction, entries, applied_seq, completed_time)
         values (?, ?, 'h', 'succeeded', false, ?, ?, ?)`,
        [id, player, JSON.stringify(entries), seq, completed],
      );
    await order('a1', a, 1, '2026-01-01T00:00:01Z', [
      {
        entry_id: 'x',
        type: 'add_inventory_stack',
        result: 'success',
        details: [change(null, record(coinsA, 10))],
      },
      { entry_id: 'y', type: 'fill_loot', result: 'rollback', details: [change(null, record(hat, 1))] },
    ]);
    await order('b1', b, 1, '2026-01-01T00:00:02Z', [
      { entry_id: 'z', type: 'fill_loot', result: 'success', details: [change(null, record(hat, 1))] },
    ]);
    await order('a2', a, 2, '2026-01-01T00:00:03Z', [
      {
        entry_id: 't',
        type: 'transfer_inventory_stack',
        to_player_uuid: b,
        result: 'success',
        details: [change(record(coinsA, 10), record(coinsA, 7)), change(null, record(coinsB, 3))],
      },
    ]);

    await orm.getMigrator().up();
    const rows = await sql(
      'select player_uuid, seq, changes, order_id, order_player_uuid, item_ids from inventory_change order by player_uuid, seq',
    );
    expect(
      rows.map((row) => [
        row.player_uuid,
        Number(row.seq),
        row.changes,
        row.order_id,
        row.order_player_uuid,
        row.item_ids,
      ]),
    ).toEqual([
      [a, 1, 1, 'a1', a, [7]],
      [a, 2, 1, 'a2', a, [7]],
      [b, 1, 1, 'b1', b, [7]],
      [b, 2, 1, 'a2', a, [7]],
    ]);
    const counters = await sql('select next_history_seq from player order by player_uuid');
    expect(counters.map((row) => Number(row.next_history_seq))).toEqual([3, 3]);
  } finally {
    await orm.close();
  }
});
