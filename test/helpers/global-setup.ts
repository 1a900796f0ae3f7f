import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { migrate, openOrm } from '../../src/db/orm.js';
import { databaseUrl, dropDatabase, uniqueName } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Migrates one template database per test run; every test file copies it into a database of its
 * own. The name is unique to the run, so two runs on one machine never drop each other's template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = uniqueName('armory_template');
  const config = loadConfig({ DATABASE_URL: databaseUrl(template), LOG_LEVEL: 'silent' });
  const orm = await openOrm(config.DATABASE_URL, { poolSize: 2 });
  await migrate(orm);
  await orm.close();
  project.provide('templateDatabase', template);
  return () => dropDatabase(template);
}
