import { loadConfig } from '../../src/config.js';
import { migrate, openOrm } from '../../src/db/orm.js';
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from './database.js';

/** Migrates one template database; every test file copies it into a database of its own. */
export default async function setup(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`drop database if exists "${TEMPLATE_DATABASE}" with (force)`);
  });
  const config = loadConfig({ DATABASE_URL: databaseUrl(TEMPLATE_DATABASE), LOG_LEVEL: 'silent' });
  const orm = await openOrm(config.DATABASE_URL, 2);
  await migrate(orm);
  await orm.close();
}
