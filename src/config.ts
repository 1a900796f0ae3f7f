import { userInfo } from 'node:os';
import { z } from 'zod';
import { isClusterUrl, isRedisUrl } from './redis-url.js';

/**
 * The only reader of `process.env`. Every setting is parsed once, at startup; a bad value stops the
 * process with one line per bad variable instead of failing later in some request.
 */

const secret = (fallback: string) => z.string().min(1).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const url = (protocols: string[], fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a ${protocols.join(' or ')}// URL`,
    );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** A worker started alone (`start:worker`) serves /healthz, /readyz and /metrics here; unset, no HTTP. */
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://127.0.0.1:5432/armory'),
  /** One Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://host:port,host:port`). */
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine(isRedisUrl, 'must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:{}-]+$/, 'letters, digits, _ - : { } only')
    .default('armory'),
  /**
   * Shards of the order queue: a player's jobs go to shard hash(player) mod N, each a BullMQ queue on
   * a Redis Cluster slot of its own; workers read them all, or WORKER_SHARDS. 1 keeps one queue.
   */
  QUEUE_SHARDS: positiveInt(1),
  /**
   * The order shards this worker process reads, as `0-3,6`; unset, all of them. Every shard must be
   * read by some worker: the sweeper re-enqueues, but into the same shard.
   */
  WORKER_SHARDS: z
    .string()
    .regex(/^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/, 'shard numbers and ranges, as 0-3,6')
    .transform(shardList)
    .refine((shards) => shards.length > 0, 'names no shard')
    .optional(),
  WORKER_CONCURRENCY: positiveInt(16),
  /** Groups (transactions) one worker process runs at once; its jobs are shared among them. */
  WORKER_GROUPS_IN_FLIGHT: positiveInt(2),
  ADMIN_API_KEY: secret('dev-admin-key'),
  SERVER_API_KEY: secret('dev-server-key'),
  PLAYER_JWT_SECRET: secret('dev-player-secret'),
  WEBHOOK_SECRET_STEAM: secret('dev-webhook-secret'),
  WEBHOOK_SECRET_PSN: secret('dev-webhook-secret'),
  WEBHOOK_SECRET_XBOX: secret('dev-webhook-secret'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Most orders of one player applied in one database transaction. */
  ORDER_BATCH_SIZE: positiveInt(50),
  /** How often the sweeper looks for stored orders that never reached the queue. */
  SWEEP_INTERVAL_MS: positiveInt(5000),
  /** A queued order older than this with no live job is enqueued again. */
  SWEEP_MIN_AGE_MS: positiveInt(5000),
  JOB_ATTEMPTS: positiveInt(5),
  JOB_BACKOFF_MS: positiveInt(500),
  /** BullMQ job lock; a crashed worker's job is taken over after about this long. */
  WORKER_LOCK_DURATION_MS: positiveInt(30000),
  WORKER_STALLED_INTERVAL_MS: positiveInt(30000),
  /** Longest a worker waits for a player's row lock before the attempt fails and is retried. */
  DB_LOCK_TIMEOUT_MS: positiveInt(10000),
  DB_POOL_SIZE: positiveInt(20),
  /** Brute-force guard: more failed promotion codes than this per player in the window → too_many_requests. */
  PROMO_FAILURE_LIMIT: positiveInt(10),
  /** Requests one player client may make per minute, counted in Redis across every API process. */
  PLAYER_RATE_LIMIT_PER_MINUTE: positiveInt(600),
  PROMO_FAILURE_WINDOW_SECONDS: positiveInt(3600),
  /** How long a PlayFab write waits for its order to be final before answering 202 with an OperationToken. */
  PLAYFAB_WAIT_SECONDS: z.coerce.number().min(0).max(60).default(10),
  /** How long a PlayFab IdempotencyId holds: the same id after this is a new request. */
  PLAYFAB_IDEMPOTENCY_DAYS: z.coerce.number().positive().default(14),
  /** Events out: how long a subscriber has to answer one delivery. */
  EVENT_TIMEOUT_MS: positiveInt(10000),
  /** Events out: the first retry's delay; each next one doubles, up to an hour. */
  EVENT_RETRY_BASE_MS: positiveInt(1000),
  /** Events out: attempts of one delivery before it is `failed` (ops may replay it). */
  EVENT_MAX_ATTEMPTS: positiveInt(15),
  /**
   * Events out: event jobs a worker process delivers at once; 0 for a worker process that delivers
   * none (its events are recorded with its orders and delivered by other worker processes).
   */
  EVENT_CONCURRENCY: z.coerce.number().int().min(0).default(8),
});

/** Every variable the service reads (PGUSER too: see withDatabaseUser); `.env.example` lists each. */
export const CONFIG_NAMES = [...Object.keys(envSchema.shape), 'PGUSER'];

/** The settings that are secrets: required, long and not a placeholder in production. */
export const SECRET_NAMES = [
  'ADMIN_API_KEY',
  'SERVER_API_KEY',
  'PLAYER_JWT_SECRET',
  'WEBHOOK_SECRET_STEAM',
  'WEBHOOK_SECRET_PSN',
  'WEBHOOK_SECRET_XBOX',
] as const;

/** What production refuses as a secret: the development defaults and placeholders such as `change-me-admin`. */
/** `0-3,6` → [0, 1, 2, 3, 6]. */
function shardList(text: string): number[] {
  const shards = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    for (let shard = from!; shard <= to!; shard++) shards.add(shard);
  }
  return [...shards].sort((a, b) => a - b);
}

/**
 * Whether queue prefixes carry hash tags: on a Redis Cluster (BullMQ's scripts touch several keys of
 * a queue at once, so they must share a slot), and for several order shards (so that they are ready
 * for one). One Redis with one shard keeps QUEUE_PREFIX itself: the keys of deployments from before.
 */
export const hashTagged = (layout: Pick<Config, 'QUEUE_SHARDS' | 'REDIS_URL'>): boolean =>
  layout.QUEUE_SHARDS > 1 || isClusterUrl(layout.REDIS_URL);

const PLACEHOLDER_SECRET = /^(change-me|dev)-/i;
const MIN_SECRET_BYTES = 32;

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
  }
}

/** Parses an environment (defaults to the process's); throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  if (env.NODE_ENV === 'production') {
    for (const name of SECRET_NAMES) {
      const problem = productionSecretProblem(env[name]);
      if (problem) problems.push(`${name}: ${problem}`);
    }
  }
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  if (parsed.success && hashTagged(parsed.data) && /[{}]/.test(parsed.data.QUEUE_PREFIX)) {
    // Each queue's hash tag must be the first braces of its keys, or all queues share one slot.
    problems.push(
      'QUEUE_PREFIX: may hold no { } on a Redis Cluster or with QUEUE_SHARDS over 1 (each queue adds its own hash tag)',
    );
  }
  const beyond = parsed.success
    ? parsed.data.WORKER_SHARDS?.filter((shard) => shard >= parsed.data.QUEUE_SHARDS)
    : [];
  if (beyond?.length) {
    problems.push(
      `WORKER_SHARDS: no shard ${beyond.join(', ')} among QUEUE_SHARDS=${parsed.data!.QUEUE_SHARDS} (numbered from 0)`,
    );
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return { ...parsed.data, DATABASE_URL: withDatabaseUser(parsed.data.DATABASE_URL, env.PGUSER) };
}

function productionSecretProblem(value: string | undefined): string | null {
  if (!value) return 'required when NODE_ENV=production';
  if (PLACEHOLDER_SECRET.test(value)) return 'is a placeholder (change-me-*, dev-*); set a random secret';
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes in production`;
  return null;
}

/**
 * A database URL that names no user connects as psql would: as `PGUSER`, else as the operating
 * system's user. The driver on its own would take the `USER` variable, which most containers and
 * CI runners leave unset, and fail with "no PostgreSQL user name specified".
 */
function withDatabaseUser(databaseUrl: string, pgUser: string | undefined): string {
  const url = new URL(databaseUrl);
  if (url.username) return databaseUrl;
  const user = pgUser || operatingSystemUser();
  if (!user) return databaseUrl;
  url.username = user;
  return url.toString();
}

/** Undefined where the user id has no name (an arbitrary uid in a container): psql fails there too. */
function operatingSystemUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * `.env` in the working directory, when there is one, sets what the environment leaves unset (Node's
 * own parser; a variable already set wins). For development: production sets the environment.
 */
export function loadEnvFile(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The process's configuration, from its environment and `.env`; on a bad environment, one line per
 * bad variable and exit 1.
 */
export function loadConfigOrExit(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${error.problems.map((problem) => `armory: bad environment: ${problem}`).join('\n')}\n`,
    );
    process.exit(1);
  }
}
