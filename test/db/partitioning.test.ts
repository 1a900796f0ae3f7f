import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-role.js';
import { baseCatalog, buySwords, GEM_GRANT, GEMS, grantGems, SWORD } from '../helpers/catalog-fixture.js';
import { withAdminClient } from '../helpers/database.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { expectOrderRefused, expectOrderSucceeded } from '../helpers/orders.js';
import { until } from '../helpers/wait.js';

/**
 * Ready for a database sharded by player (docs/scaling.md): the player tables, hash-partitioned by
 * `player_uuid` (PostgreSQL's native partitioning, the closest this machine has to Citus), take the
 * migrated schema's keys and indexes as they are, and one player's orders (accept, load,
 * write-back), inventory read and history read touch only that player's partition of each, among
 * other players' data.
 *
 * Two readings of "touch". PostgreSQL's own counters: every scan and every row written counts
 * against the partition it reaches, so a statement that looked into another player's partition,
 * by a scan or an index probe, would show there. And `EXPLAIN ANALYZE` of each statement the flow
 * ran, run again afterwards in a transaction rolled back: the partitions its plan executed (the
 * statements join on each row's player, so the executor prunes the others as it runs).
 */

/** The player tables, each keyed by `player_uuid` first. */
const PLAYER_TABLES = [
  'player',
  'player_order',
  'inventory_record',
  'inventory_change',
  'promotion_claim',
  'promotion_failure',
  'transient_single_fill',
  'event_delivery',
];
const PARTITIONS = 8;

let h: Harness;
let worker: RunningWorker;

beforeAll(async () => {
  h = await startHarness({
    worker: false,
    catalog: { ...baseCatalog, promotions: [{ code: 'WELCOME', loot_id: GEM_GRANT, max_uses: 100 }] },
    // No sweep: a sweep reads every player's rows by design, and is not on the order path.
    env: { SWEEP_INTERVAL_MS: '3600000' },
  });
  for (const table of PLAYER_TABLES) {
    // LIKE ... INCLUDING ALL takes the table's keys and indexes: PostgreSQL refuses a partitioned
    // table any unique key without the partition column.
    await h.sql(`alter table ${table} rename to ${table}_unpartitioned`);
    await h.sql(
      `create table ${table} (like ${table}_unpartitioned including all) partition by hash (player_uuid)`,
    );
    for (let remainder = 0; remainder < PARTITIONS; remainder++) {
      await h.sql(
        `create table ${table}_p${remainder} partition of ${table}
           for values with (modulus ${PARTITIONS}, remainder ${remainder})`,
      );
    }
  }
  await seedOtherPlayers();
  worker = startWorker(h.config, h.orm, createLogger('silent', 'armory-test'));
});

afterAll(async () => {
  await worker?.close();
  await h?.close();
});

/**
 * Other players' rows in every partition, and statistics, so that the planner chooses as it would
 * in production: on empty tables a scan of every partition costs it next to nothing.
 */
async function seedOtherPlayers(): Promise<void> {
  await h.sql(`insert into player (player_uuid) select gen_random_uuid() from generate_series(1, 20000)`);
  await h.sql(
    `insert into player_order (order_id, player_uuid, request_hash, status, is_transaction, entries,
                               applied_seq, completed_time)
     select 'other-' || n || '-' || p.player_uuid, p.player_uuid, 'h', 'succeeded', false, '[]', n, now()
       from player p cross join generate_series(1, 5) n`,
  );
  // A live service always has orders waiting, and claims on its promotions.
  await h.sql(
    `insert into player_order (order_id, player_uuid, request_hash, status, is_transaction, entries)
     select 'waiting-' || p.player_uuid, p.player_uuid, 'h', 'queued', false, '[]' from player p`,
  );
  await h.sql(
    `insert into promotion_claim (player_uuid, code, claims) select player_uuid, 'WELCOME', 1 from player`,
  );
  await h.sql(`insert into order_key (order_id, player_uuid) select order_id, player_uuid from player_order`);
  await h.sql(
    `insert into inventory_record (inventory_id, player_uuid, legacy_inventory_id, item_id, type, count,
                                   acquired, custom_data)
     select gen_random_uuid(), p.player_uuid, n, n, 'item', 1, now(), '{}'
       from player p cross join generate_series(1, 5) n`,
  );
  await h.sql(
    `insert into inventory_change (player_uuid, seq, order_id, changes, order_player_uuid, item_ids, collection_ids)
     select player_uuid, applied_seq, order_id, 1, player_uuid, '[1]', '["default"]' from player_order
      where applied_seq is not null`,
  );
  await h.sql('analyze');
}

type Touches = Map<string, number>;

interface Statement {
  sql: string;
  bindings: unknown[];
}

/** Records the statements the service runs (text and parameters, as pg receives them) until stopped. */
function recordStatements(): { stop: () => Statement[] } {
  const knex = h.orm.em.getKnex();
  const seen: Statement[] = [];
  const listener = (query: { sql: string; bindings?: unknown[] }) =>
    seen.push({ sql: query.sql, bindings: query.bindings ?? [] });
  knex.on('query', listener);
  return {
    stop: () => {
      knex.off('query', listener);
      return seen;
    },
  };
}

/**
 * The tables a statement's plan executed (`EXPLAIN ANALYZE`, in a transaction rolled back),
 * partitions by name; null when it cannot run again (an insert whose rows are there now).
 */
async function executedRelations(client: pg.Client, { sql, bindings }: Statement): Promise<string[] | null> {
  await client.query('begin');
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
      `explain (analyze, format json) ${sql}`,
      bindings,
    );
    const names = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node !== null && typeof node === 'object') {
        const fields = node as Record<string, unknown>;
        if (typeof fields['Relation Name'] === 'string' && Number(fields['Actual Loops']) > 0) {
          names.add(fields['Relation Name']);
        }
        Object.values(fields).forEach(visit);
      }
    };
    visit(rows[0]!['QUERY PLAN']);
    return [...names];
  } catch {
    return null;
  } finally {
    await client.query('rollback');
  }
}

/**
 * Scans and rows written, per partition. A backend reports its counters when it ends (or now and
 * then), so every connection to the database is ended first; the pool opens new ones as needed.
 */
async function touchesByPartition(): Promise<Touches> {
  return withAdminClient(async (client) => {
    await client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
      [h.databaseName],
    );
    await until(async () => {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1',
        [h.databaseName],
      );
      return rows[0]!.n === 0;
    }, 'every connection to the test database to end');
    // Counters are per database: read them from inside it.
    const rows = await h.sql<{ partition: string; touches: string }>(
      `select relname as partition,
              coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd + n_tup_del as touches
         from pg_stat_user_tables where relname ~ '_p[0-9]+$'`,
    );
    return new Map(rows.map((row) => [row.partition, Number(row.touches)]));
  });
}

it('hash-partitions every player table by player_uuid, keys and indexes as migrated', async () => {
  const rows = await h.sql<{ table: string; partitions: number; unique_keys: string }>(
    `select c.relname as table, count(i.inhrelid)::int as partitions,
            (select string_agg(pg_get_indexdef(x.indexrelid), '; ' order by x.indexrelid)
               from pg_index x where x.indrelid = c.oid and x.indisunique) as unique_keys
       from pg_class c join pg_inherits i on i.inhparent = c.oid
      where c.relkind = 'p' group by c.oid, c.relname order by c.relname`,
  );
  expect(rows.map((row) => row.table)).toEqual([...PLAYER_TABLES].sort());
  for (const row of rows) {
    expect(row.partitions, row.table).toBe(PARTITIONS);
    // Every unique key leads with player_uuid.
    for (const key of row.unique_keys.split('; ')) expect(key, row.table).toMatch(/\(player_uuid[,)]/);
  }
});

it("one player's orders, inventory read and history read touch only that player's partition", async () => {
  const player = newPlayer();
  const before = await touchesByPartition();
  const recording = recordStatements();

  await expectOrderSucceeded(h, grantGems(player, 2));
  await expectOrderSucceeded(h, buySwords(player));
  // A promotion code claimed, and one that is no code at all (a failed attempt the guard counts).
  await expectOrderSucceeded(h, {
    player_uuid: player,
    entries: [{ type: 'promotion_code', external_tran_id: 'WELCOME' }],
  });
  await expectOrderRefused(
    h,
    { player_uuid: player, entries: [{ type: 'promotion_code', external_tran_id: 'NOPE' }] },
    'promotion_not_found',
  );
  expect(await h.balance(player, SWORD)).toBe(1);
  expect(await h.balance(player, GEMS)).toBeGreaterThan(0);
  const history = await h.server('GET', `/v1/players/${player}/history`);
  expect(history.status).toBe(200);
  expect(history.body.history.length).toBeGreaterThan(0);

  const statements = recording.stop();
  const after = await touchesByPartition();
  const [home] = await h.sql<{ partition: string }>(
    `select tableoid::regclass::text as partition from player where player_uuid = ?`,
    [player],
  );
  const mine = home!.partition.slice('player'.length); // `_p3`
  const touched = [...after]
    .filter(([name, touches]) => touches > (before.get(name) ?? 0))
    .map(([name]) => name)
    .sort();
  expect(touched.filter((name) => !name.endsWith(mine))).toEqual([]);
  // Each table the flow writes or reads was reached (it has no transient fill and no subscriber).
  const reached = PLAYER_TABLES.filter(
    (table) => !['transient_single_fill', 'event_delivery'].includes(table),
  );
  for (const table of reached) expect(touched).toContain(`${table}${mine}`);

  // And as executed: every statement of the flow on a player table that can run again (all but
  // the write-back's inserts, which the counters above cover) executes in that player's partitions.
  const playerTable = new RegExp(`\\b(${PLAYER_TABLES.join('|')})\\b`);
  const onPlayerTables = statements.filter((statement) => playerTable.test(statement.sql));
  const client = new pg.Client({ connectionString: h.config.DATABASE_URL });
  await client.connect();
  const explained: string[] = [];
  try {
    for (const statement of onPlayerTables) {
      const relations = await executedRelations(client, statement);
      if (relations === null) continue;
      explained.push(statement.sql);
      const partitions = relations.filter((name) => /_p\d+$/.test(name));
      expect(
        partitions.filter((name) => !name.endsWith(mine)),
        statement.sql,
      ).toEqual([]);
    }
  } finally {
    await client.end();
  }
  // The accept, the lock, the load, the inventory read and the history read were among them.
  for (const part of [
    /insert into player_order/,
    /from player\s+where/,
    /from player_order/,
    /from inventory_record/,
    /from inventory_change/,
  ]) {
    expect(
      explained.some((sql) => part.test(sql)),
      String(part),
    ).toBe(true);
  }
});
