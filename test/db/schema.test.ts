import { afterAll, beforeAll, expect, it } from 'vitest';
import { openOrm, type Orm } from '../../src/db/orm.js';
import { createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database.js';

let orm: Orm;
let name: string;
beforeAll(async () => {
  name = await createTestDatabase();
  orm = await openOrm(databaseUrl(name), { poolSize: 2 });
});
afterAll(async () => {
  await orm.close();
  await dropDatabase(name);
});

it('the migrations build exactly the schema the entities describe', async () => {
  const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  expect(diff.trim()).toBe('');
});
