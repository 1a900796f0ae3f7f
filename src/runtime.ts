import { loadConfigOrExit, type Config } from './config.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { StartupError } from './dependencies.js';
import { connectRedisOnce } from './redis.js';
import { createLogger, type Logger } from './logger.js';
import { createTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { checkRedisEvictionPolicy } from './telemetry/redis-policy.js';
import { onStopSignal, takeStopSignals } from './stop-signals.js';

/**
 * A running role (the API, a worker, a worker's probe server). It stops in two steps, so that in one
 * process every role has stopped taking work and finished what it held before any lets go of the
 * connections the others may still be using.
 */
export interface RunningRole {
  /** Stops taking new work (connections, jobs) and waits for what is in flight. Idempotent. */
  drain: () => Promise<void>;
  /** Drains if not done yet, then closes the role's queues and Redis connections. */
  close: () => Promise<void>;
}

const FORCE_EXIT_AFTER_MS = 15_000;

/**
 * One JSON line, then exit 1: what a process does when it cannot start (a dependency out of reach,
 * the port taken) or meets an error nothing handled. Never a raw stack trace on stderr.
 */
export function exitWithError(logger: Logger, error: unknown, message: string): never {
  if (error instanceof StartupError) {
    logger.fatal({ ...error.fields, err: error.cause }, error.message);
  } else {
    logger.fatal({ err: error }, message);
  }
  process.exit(1);
}

/**
 * Starts a process: validated config, database created and migrated, Redis reachable, then the roles
 * asked for, all sharing one Telemetry (one metrics registry, one readiness).
 *
 * A stop signal before the roles start ends the process with exit 0 (nothing has been taken yet);
 * while they start, it waits for them. Then, on SIGTERM or SIGINT: readiness turns 503 at once; the
 * roles drain in the order they were started (HTTP stops taking connections and finishes its
 * requests, then the worker stops taking jobs and finishes its own); then the roles close their
 * queues and Redis connections, then the ORM closes; exit 0. A timer forces exit 1 if something
 * hangs.
 */
export async function runRole(
  name: string,
  start: (config: Config, orm: Orm, logger: Logger, telemetry: Telemetry) => Promise<RunningRole[]>,
): Promise<void> {
  takeStopSignals();
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, `armory-${name}`);
  process.on('uncaughtException', (error) => exitWithError(logger, error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => exitWithError(logger, reason, 'unhandled rejection'));
  onStopSignal((signal) => {
    logger.info({ signal }, 'stopped before startup finished');
    process.exit(0);
  });

  let orm: Orm;
  try {
    orm = await openOrm(config.DATABASE_URL, {
      poolSize: config.DB_POOL_SIZE,
      lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
      logger,
    });
    await migrate(orm, logger);
    const redis = await connectRedisOnce(config.REDIS_URL);
    await checkRedisEvictionPolicy(redis, logger).finally(() => redis.disconnect());
  } catch (error) {
    exitWithError(logger, error, 'startup failed');
  }

  let stopAsked: NodeJS.Signals | null = null;
  onStopSignal((signal) => (stopAsked ??= signal));
  const telemetry = createTelemetry(logger);
  let roles: RunningRole[];
  try {
    roles = await start(config, orm, logger, telemetry);
  } catch (error) {
    exitWithError(logger, error, 'startup failed');
  }

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    telemetry.readiness.markStopping();
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; forcing exit');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS).unref();
    let failed = false;
    const step = async (what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: what }, 'shutdown step failed; going on with the rest');
      }
    };
    for (const role of roles) await step('drain', role.drain);
    for (const role of roles) await step('close', role.close);
    await step('orm', () => orm.close());
    logger.info('stopped');
    process.exit(failed ? 1 : 0);
  };
  onStopSignal((signal) => void stop(signal));
  if (stopAsked) void stop(stopAsked);
}
