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

it('every pooled connection runs without JIT, and with the configured lock timeout', async () => {
  const fork = orm.em.fork();
  expect(await runSql(fork, 'show jit')).toEqual([{ jit: 'off' }]);
  expect(await runSql(fork, 'show lock_timeout')).toEqual([{ lock_timeout: '10s' }]);
});
