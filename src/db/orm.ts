import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver, UnderscoreNamingStrategy, type Options } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { addressOf, DependencyError } from '../dependencies.js';
import { entities } from '../stores/entities.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM;

interface PgConnection {
  query: (sql: string, callback: (error: Error | null) => void) => void;
}

const CONNECT_TIMEOUT_MS = 5000;
/** Longest a query waits for a free pooled connection. */
const ACQUIRE_TIMEOUT_MS = 10_000;

export interface OpenOrmOptions {
  poolSize?: number;
  /**
   * Set on every connection: a transaction waiting longer than this for a row lock (a player's,
   * say) fails and is retried by the queue instead of holding a connection indefinitely.
   */
  lockTimeoutMs?: number;
  /** Create the database when it does not exist (default). The ops CLI never does. */
  createDatabase?: boolean;
  /** Where the driver's own warnings go (a dropped connection, say); without one they are dropped. */
  logger?: Logger;
}

/** How every migration runs: each in a transaction, all pending ones in one; no snapshot file. */
const MIGRATIONS = { transactional: true, allOrNothing: true, snapshot: false, silent: true };
/** Where the migration files are, for the CLI (the service lists them in migrations/index.ts). */
const MIGRATIONS_DIRECTORY = 'src/db/migrations';

/**
 * The options `@mikro-orm/cli` runs with (src/db/mikro-orm.config.ts): the service's, with the
 * migrations read from their files, so that `migration:create` writes the next one beside them
 * as `Migration<timestamp><Name>.ts`. test/db/migrate.test.ts holds index.ts to the same files.
 */
export function cliOrmOptions(databaseUrl: string): Options {
  return {
    ...ormOptions(databaseUrl, { poolSize: 2 }),
    migrations: {
      ...MIGRATIONS,
      silent: false,
      path: MIGRATIONS_DIRECTORY,
      pathTs: MIGRATIONS_DIRECTORY,
      glob: 'Migration*.ts',
      emit: 'ts',
      fileName: migrationName,
    },
    namingStrategy: MigrationNaming,
  };
}

/** `Migration20261204120000EventsOut` for `--name events-out`: one name for the file and its class. */
export const migrationName = (timestamp: string, name?: string) =>
  `Migration${timestamp}${(name ?? '').replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, first: string) => first.toUpperCase())}`;

/** MikroORM's default names, but a migration's class is named as its file (a valid identifier). */
class MigrationNaming extends UnderscoreNamingStrategy {
  override classToMigrationName(timestamp: string, customMigrationName?: string): string {
    return migrationName(timestamp, customMigrationName);
  }
}

function ormOptions(
  databaseUrl: string,
  { poolSize = 10, lockTimeoutMs = 10_000, logger }: OpenOrmOptions,
): Options {
  // knex writes these with console.log unless told otherwise: one JSON line each instead.
  const log = (level: 'warn' | 'error' | 'debug') => (message: unknown) =>
    logger?.[level]({ driver_message: String(message) }, 'database driver');
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    migrations: { ...MIGRATIONS, migrationsList },
    // A server that does not answer a connect within this is as good as down: the request that
    // needed it fails (503) instead of hanging, and startup says so instead of waiting forever.
    driverOptions: {
      connection: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
      acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
      log: { warn: log('warn'), error: log('error'), deprecate: log('warn'), debug: log('debug') },
    },
    pool: {
      min: 0,
      max: poolSize,
      afterCreate: (
        connection: PgConnection,
        done: (error: Error | null, connection: PgConnection) => void,
      ) => {
        // JIT compiles a plan whose estimated cost passes jit_above_cost, which a group's load
        // reaches once one player holds many records (the planner averages them over players):
        // tens of milliseconds of compiling to save microseconds. No statement here wants it.
        // Prepared statements (runSql's `prepared`) are planned for each run's parameters, never
        // with a generic plan: the write-back relies on the planner seeing each JSON document's
        // real length (its LIMIT), and the lock and load on seeing the players' array.
        connection.query(
          `set lock_timeout = ${Math.trunc(lockTimeoutMs)}; set jit = off; set plan_cache_mode = force_custom_plan`,
          (error) => done(error, connection),
        );
      },
    },
    // Domain code never relies on lazy loading or implicit flushes; keep the ORM from guessing.
    allowGlobalContext: false,
    debug: false,
  };
}

/**
 * Opens the ORM and makes sure the database answers; a DependencyError (one line: where, and why)
 * when it cannot be reached or used.
 */
export async function openOrm(databaseUrl: string, options: OpenOrmOptions = {}): Promise<Orm> {
  const orm = await MikroORM.init({ ...ormOptions(databaseUrl, options), connect: false });
  try {
    if (options.createDatabase ?? true) await ensureDatabase(orm);
    await orm.connect();
    await orm.em.getConnection().execute('select 1');
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw new DependencyError('PostgreSQL', addressOf(databaseUrl), error);
  }
  return orm;
}

async function ensureDatabase(orm: Orm): Promise<void> {
  try {
    await orm.schema.ensureDatabase();
  } catch (error) {
    // Another process created it between our check and our CREATE DATABASE.
    if (!/already exists/.test(String(error))) throw error;
    await orm.schema.ensureDatabase({ forceCheck: true });
  }
}

const MIGRATION_LOCK = 7_213_001;

/** Applies pending migrations; several processes starting at once take turns on an advisory lock. */
export async function migrate(orm: Orm, logger?: Logger): Promise<void> {
  await orm.em.getKnex().transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    const applied = await orm.getMigrator().up();
    if (applied.length > 0) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  });
}
