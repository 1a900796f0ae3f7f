import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.js';
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
