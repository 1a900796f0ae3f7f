import { loadConfig, ConfigError, type Config } from './config.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { createLogger, type Logger } from './logger.js';

/** The process's configuration; on a bad environment, one line per bad variable and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${error.problems.map((problem) => `armory: bad environment: ${problem}`).join('\n')}\n`,
    );
    process.exit(1);
  }
}

interface Closable {
  close: () => Promise<void>;
}

const FORCE_EXIT_AFTER_MS = 15_000;

/**
 * Starts a process: validated config, database created and migrated, then the roles asked for.
 * On SIGTERM or SIGINT the roles close in the order they were started (HTTP first), then the ORM;
 * a timer forces the exit if something hangs.
 */
export async function runRole(
  name: string,
  start: (config: Config, orm: Orm, logger: Logger) => Promise<Closable[]>,
): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, `armory-${name}`);
  const orm = await openOrm(config.DATABASE_URL, config.DB_POOL_SIZE, config.DB_LOCK_TIMEOUT_MS);
  await migrate(orm, logger);
  const roles = await start(config, orm, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; forcing exit');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS).unref();
    for (const role of roles) await role.close();
    await orm.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
