import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openOrm, type Orm } from '../../src/db/orm.js';

export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the test server (on `port`: a proxy in front of it). */
export function databaseUrl(name: string, port?: number): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  if (port !== undefined) url.port = String(port);
  return url.toString();
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A fresh database for one test file, copied from the run's migrated template (fast). */
export async function createTestDatabase(): Promise<string> {
  const name = uniqueName('armory_test');
  const template = inject('templateDatabase');
  await withAdminClient((client) => client.query(`create database "${name}" template "${template}"`));
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient((client) => client.query(`drop database if exists "${name}" with (force)`));
}

/** A fresh database with the schema, and an ORM on it: for a test file that needs nothing else. */
export async function openTestOrm(): Promise<{ orm: Orm; close: () => Promise<void> }> {
  const name = await createTestDatabase();
  const orm = await openOrm(databaseUrl(name), { poolSize: 2 });
  return {
    orm,
    close: async () => {
      await orm.close();
      await dropDatabase(name);
    },
  };
}
