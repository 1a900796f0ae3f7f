import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.js';
import { runSql, sqlArray } from '../../src/stores/sql.js';
import { openTestOrm } from '../helpers/database.js';

let orm: Orm;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ orm, close } = await openTestOrm());
});
afterAll(() => close());

it('sqlArray passes any strings through as one array parameter, unchanged', async () => {
  const values = ['plain', 'with,comma', 'with "quotes"', 'back\\slash', '{braces}', ' spaced ', 'NULL', ''];
  const rows = await runSql<{ value: string }[]>(orm.em.fork(), 'select unnest(?::text[]) as value', [
    sqlArray(values),
  ]);
  expect(rows.map((row) => row.value)).toEqual(values);
  expect(await runSql(orm.em.fork(), 'select unnest(?::text[]) as value', [sqlArray([])])).toEqual([]);
});

it('every pooled connection runs without JIT, with the configured lock timeout, and plans every run', async () => {
  const fork = orm.em.fork();
  expect(await runSql(fork, 'show jit')).toEqual([{ jit: 'off' }]);
  expect(await runSql(fork, 'show lock_timeout')).toEqual([{ lock_timeout: '10s' }]);
  expect(await runSql(fork, 'show plan_cache_mode')).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
});

it('a prepared statement is parsed once per connection and answers like the same SQL unprepared', async () => {
  const sql = 'select count(*)::int as n from unnest(?::text[]) as value where value <> ?';
  await orm.em.fork().transactional(async (tx) => {
    for (let run = 0; run < 3; run++) {
      const values = Array.from({ length: run + 2 }, (_, i) => `v${i}`);
      expect(await runSql(tx, sql, [sqlArray(values), 'v0'], { prepared: true })).toEqual(
        await runSql(tx, sql, [sqlArray(values), 'v0']),
      );
    }
    // One statement on this connection, kept by PostgreSQL, run three times under its name.
    const prepared = await runSql<{ name: string; statement: string }[]>(
      tx,
      `select name, statement from pg_prepared_statements where statement like '%unnest($1::text[])%'`,
    );
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.name).toMatch(/^armory_\d+$/);
  });
});
