import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.js';
import { openTestOrm } from '../helpers/database.js';

let orm: Orm;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ orm, close } = await openTestOrm());
});
afterAll(() => close());

it('the migrations build exactly the schema the entities describe', async () => {
  const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  expect(diff.trim()).toBe('');
});
