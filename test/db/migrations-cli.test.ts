import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { migrationName } from '../../src/db/orm.js';
import { migrationsList } from '../../src/db/migrations/index.js';
import { databaseUrl, dropDatabase, uniqueName, withAdminClient } from '../helpers/database.js';

/**
 * Migrations the MikroORM way: `@mikro-orm/cli` (npm run migration:*) reads the migration files,
 * the service the list in migrations/index.ts; both name the same migrations, and the schema they
 * build is the one the entities describe.
 */

const name = uniqueName('armory_cli');
afterAll(() => dropDatabase(name));

const cli = (...args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'node_modules/@mikro-orm/cli/esm.js', ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl(name), NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
  });

it('index.ts lists every migration file, in order, each under its file name', () => {
  const files = readdirSync('src/db/migrations')
    .filter((file) => file.startsWith('Migration'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
  expect(migrationsList.map((migration) => migration.name)).toEqual(files);
  for (const migration of migrationsList) {
    expect((migration.class as { name: string }).name).toBe(migration.name);
  }
});

it('names a new migration and its class alike, from the name given', () => {
  expect(migrationName('20261204120000', 'events-out')).toBe('Migration20261204120000EventsOut');
  expect(migrationName('20261204120000', 'add player_level')).toBe('Migration20261204120000AddPlayerLevel');
  expect(migrationName('20261204120000')).toBe('Migration20261204120000');
});

it('migration:up, :pending and :down through the CLI; the migrated schema is what the entities describe', async () => {
  // The CLI migrates a database that exists (`npm run migrate` would create it).
  await withAdminClient((client) => client.query(`create database "${name}"`));

  const pending = await cli('migration:pending');
  expect(pending.code).toBe(0);
  for (const migration of migrationsList) expect(pending.output).toContain(migration.name);

  const up = await cli('migration:up');
  expect(up.code, up.output).toBe(0);
  expect((await cli('migration:pending')).output).toContain('No pending migrations');
  const update = await cli('schema:update', '--dump');
  expect(update.output).toContain('Schema is up-to-date');

  const newest = migrationsList.at(-1)!.name;
  const down = await cli('migration:down');
  expect(down.code, down.output).toBe(0);
  expect(down.output).toContain(`Reverted '${newest}'`);
  expect((await cli('migration:pending')).output).toContain(newest);
  // What it dropped is what the entities describe: the schema differs until it is applied again.
  expect((await cli('schema:update', '--dump')).output).not.toContain('Schema is up-to-date');

  expect((await cli('migration:up')).code).toBe(0);
  expect((await cli('schema:update', '--dump')).output).toContain('Schema is up-to-date');
});
