import { pathToFileURL } from 'node:url';
import { createLogger, type Logger } from '../logger.js';
import { loadConfigOrExit } from '../config.js';
import { exitWithError } from '../runtime.js';
import { migrate, openOrm } from './orm.js';

/** Creates the database if needed and applies pending migrations. */
export async function migrateDatabase(databaseUrl: string, logger?: Logger): Promise<void> {
  const orm = await openOrm(databaseUrl, { poolSize: 2 });
  try {
    await migrate(orm, logger);
  } finally {
    await orm.close();
  }
}

// `npm run migrate`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'armory-migrate');
  try {
    await migrateDatabase(config.DATABASE_URL, logger);
  } catch (error) {
    exitWithError(logger, error, 'migration failed');
  }
  logger.info('database is up to date');
}
