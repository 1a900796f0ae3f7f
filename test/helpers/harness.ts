import { createEventQueue, type EventJob } from '../../src/queue/event-queue.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { DestinationStream } from 'pino';
import { startApi, type RunningApi } from '../../src/api/api-role.js';
import type { InventoryRecordView } from '../../src/domain/details.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openOrm, type Orm } from '../../src/db/orm.js';
import { createLogger } from '../../src/logger.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-role.js';
import {
  createOrderQueues,
  createProducerConnection,
  type OrderJob,
  type OrderQueues,
} from '../../src/queue/order-queue.js';
import { createTestDatabase, databaseUrl, dropDatabase, uniqueName } from './database.js';

export const ADMIN_KEY = 'test-admin-key';
export const SERVER_KEY = 'test-server-key';

export interface HarnessOptions {
  /** Start a worker in this process too (default true). */
  worker?: boolean;
  env?: Record<string, string>;
  /** Reach PostgreSQL on this port instead (a TcpProxy in front of it, to cut it). */
  databasePort?: number;
  /** Where the API's and worker's log lines go (default: nowhere, LOG_LEVEL silent). */
  logTo?: DestinationStream;
  /** A catalog to put once started, which the admin API must accept (200); most files need one. */
  catalog?: Record<string, unknown>;
}

export interface Harness {
  config: Config;
  orm: Orm;
  databaseName: string;
  baseUrl: string;
  api: RunningApi;
  worker: RunningWorker | null;
  /** The order queue's shards under this harness's prefix (one unless QUEUE_SHARDS is set). */
  queues: OrderQueues;
  /** Its first shard: the whole order queue of a harness with one, for tests that look at its jobs. */
  queue: Queue<OrderJob>;
  /** The event queue under this harness's prefix. */
  eventQueue: Queue<EventJob>;
  /** Environment for a child process that should share this database and queue. */
  childEnv: Record<string, string>;
  request: (method: string, path: string, options?: RequestOptions) => Promise<TestResponse>;
  admin: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<TestResponse>;
  server: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<TestResponse>;
  /** Submits an order with the server key and waits (Prefer: wait) for its final state. */
  submit: (order: Record<string, unknown>) => Promise<TestResponse>;
  putCatalog: (catalog: Record<string, unknown>) => Promise<TestResponse>;
  inventory: (playerUuid: string, query?: string) => Promise<InventoryRecord[]>;
  /** Sum of counts of one item over the player's inventory. */
  balance: (playerUuid: string, itemId: number) => Promise<number>;
  sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  /** How many orders are stored, for one player or for all. */
  orderCount: (playerUuid?: string) => Promise<number>;
  close: () => Promise<void>;
}

/** A record as the API answers it. */
export type InventoryRecord = InventoryRecordView;

export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
}

export const newPlayer = () => randomUUID();

/** Removes every key under `prefix` (the order queue's shards, the event queue) from the local Redis. */
export async function removeOrderQueue(prefix: string): Promise<void> {
  const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await connection.del(...keys);
  } while (cursor !== '0');
  connection.disconnect();
}

/**
 * Everything one test file needs, isolated: its own database (copied from the migrated template),
 * its own queue prefix, an API on a free port and, unless asked otherwise, a worker.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const databaseName = await createTestDatabase();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(databaseName, options.databasePort),
    QUEUE_PREFIX: uniqueName('armory_test'),
    ADMIN_API_KEY: ADMIN_KEY,
    SERVER_API_KEY: SERVER_KEY,
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: '8',
    SWEEP_INTERVAL_MS: '500',
    SWEEP_MIN_AGE_MS: '1000',
    JOB_BACKOFF_MS: '100',
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL, 'armory-test', options.logTo);
  const orm = await openOrm(config.DATABASE_URL, {
    poolSize: config.DB_POOL_SIZE,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    logger,
  });
  // One process's worth of telemetry, as `npm start` has: the API's /metrics shows the worker's.
  const telemetry = createTelemetry(logger);
  const api = await startApi(config, orm, logger, 0, telemetry);
  const worker = options.worker === false ? null : startWorker(config, orm, logger, telemetry);
  const queueConnection = createProducerConnection(config);
  const queues = createOrderQueues(config, queueConnection, logger);
  const eventQueue = createEventQueue(config, queueConnection, logger);
  const baseUrl = `http://127.0.0.1:${api.port}`;

  const request = async (
    method: string,
    path: string,
    requestOptions: RequestOptions = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    let body: string | Buffer | undefined;
    if (requestOptions.rawBody !== undefined) body = requestOptions.rawBody;
    else if (requestOptions.body !== undefined) body = JSON.stringify(requestOptions.body);
    if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON; keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  const withKey =
    (key: string) =>
    (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      request(method, path, { body, headers: { authorization: `Bearer ${key}`, ...headers } });
  const admin = withKey(ADMIN_KEY);
  const server = withKey(SERVER_KEY);

  const inventory = async (playerUuid: string, query = '') => {
    const response = await server('GET', `/v1/players/${playerUuid}/inventory?limit=200${query}`);
    if (response.status !== 200) throw new Error(`inventory read failed: ${response.status}`);
    return response.body.inventory as InventoryRecord[];
  };

  const harness: Harness = {
    config,
    orm,
    databaseName,
    baseUrl,
    api,
    worker,
    queues,
    queue: queues.shards[0]!,
    eventQueue,
    childEnv: env,
    request,
    admin,
    server,
    submit: (order) => server('POST', '/v1/orders', order, { prefer: 'wait=20' }),
    putCatalog: (catalog) => admin('PUT', '/v1/admin/catalog', catalog),
    inventory,
    balance: async (playerUuid, itemId) =>
      (await inventory(playerUuid, `&item_id=${itemId}`)).reduce((sum, record) => sum + record.count, 0),
    sql: (text, params = []) => orm.em.fork().execute(text, params),
    orderCount: async (playerUuid) => {
      const [row] = await orm.em
        .fork()
        .execute<{ n: number }[]>(
          `select count(*)::int as n from player_order${playerUuid ? ' where player_uuid = ?' : ''}`,
          playerUuid ? [playerUuid] : [],
        );
      return row!.n;
    },
    close: async () => {
      await api.close();
      await worker?.close();
      await queues.close();
      await eventQueue.close();
      queueConnection.disconnect();
      await removeOrderQueue(config.QUEUE_PREFIX);
      await orm.close();
      await dropDatabase(databaseName);
    },
  };
  if (options.catalog) {
    const response = await harness.putCatalog(options.catalog);
    if (response.status !== 200) {
      await harness.close();
      throw new Error(`the catalog was refused: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
  return harness;
}
