/**
 * `npm run bench`: Armory's accept, processing and end-to-end figures, side by side with the
 * baselines that bound them, against the same PostgreSQL and Redis. Armory runs compiled, as in
 * production. Creates its own build, database and queue prefix and removes them afterwards. See
 * bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrateDatabase } from '../src/db/migrate.js';
import { catalogUpdateSchema } from '../src/domain/catalog.js';
import { updateCatalog } from '../src/stores/catalog-store.js';
import { openOrm } from '../src/db/orm.js';
import { ORDER_QUEUE, shardPrefix } from '../src/queue/order-queue.js';
import { openRedis } from '../src/redis.js';
import { startLoopbackCluster, type LoopbackCluster } from '../test/helpers/redis-cluster.js';
import { ArmoryBuild } from './build.js';
import { searchCapacity } from './capacity.js';
import { round, runLoad, type LoadRequest, type LoadResult } from './load.js';
import {
  acceptToFinalLatency,
  ARMORY_ORDERS,
  drainOrders,
  NAIVE_ORDERS,
  NAIVE_ORDERS_SQL,
  type OrderTable,
} from './orders.js';
import { cpuMsOfProcessesNamed, freePort, RoleProcess, type RoleScript } from './processes.js';
import {
  goalsOf,
  HOT_PLAYER_SHARE,
  P99_GOAL_MS,
  ratiosOf,
  renderMarkdown,
  type AcceptFigures,
  type ArmoryFigures,
  type BaselineFigures,
  type CapacityFigures,
  type CapacityStep,
  type ClusterScaling,
  type CpuPerOrder,
  type Results,
  type ScalingRow,
  type SyncWriteFigures,
} from './report.js';
import {
  benchCatalog,
  DEFAULT_MIX,
  hotPlayer,
  orderGenerator,
  parseMix,
  playfabRequests,
  lootlockerRequests,
  playerUuid,
  seedPlayersSql,
  uniformPlayers,
  zipfPlayers,
  type PlayerPicker,
} from './workload.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    clients: { type: 'string' },
    'worker-processes': { type: 'string' },
    'worker-concurrency': { type: 'string' },
    mix: { type: 'string' },
    players: { type: 'string' },
    backlog: { type: 'string' },
    'capacity-seconds': { type: 'string' },
    'capacity-steps': { type: 'string' },
    'events-rounds': { type: 'string' },
    'redis-cluster': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const quick = flags.quick ?? false;
const options = {
  quick,
  durationSeconds: Number(flags.duration ?? (quick ? 2 : 12)),
  clients: Number(flags.clients ?? 32),
  workerProcesses: Number(flags['worker-processes'] ?? 1),
  workerConcurrency: Number(flags['worker-concurrency'] ?? 16),
  mix: flags.mix ? parseMix(flags.mix) : DEFAULT_MIX,
  players: Number(flags.players ?? 10_000),
  backlog: Number(flags.backlog ?? (quick ? 300 : 4000)),
  capacitySeconds: Number(flags['capacity-seconds'] ?? (quick ? 1 : 4)),
  capacitySteps: Number(flags['capacity-steps'] ?? (quick ? 2 : 8)),
  eventsRounds: Number(flags['events-rounds'] ?? (quick ? 2 : 3)),
  // Quick mode leaves out 4 processes: starting four more processes costs more than the rest of a
  // quick scaling table.
  scalingProcesses: quick ? [1, 2] : [1, 2, 4],
  /** Also the scaling passes on a Redis Cluster started on loopback (three masters, three replicas). */
  redisCluster: flags['redis-cluster'] ?? false,
  out: flags.out ?? path.join(import.meta.dirname, 'results'),
};

/**
 * Open-loop load needs enough connections that the client never holds requests back while the
 * server keeps up; past that, requests wait in the client and their answers come late.
 */
const OPEN_LOOP_CONNECTIONS = 128;
/**
 * A rate is kept up when at least this share of the requests it sent were answered 2xx before its
 * time was up: the last few in flight may straddle the end, a backlog may not.
 */
const KEPT_UP_SHARE = 0.95;
/** The capacity search stops bisecting once the bracket is within 10 % of the failing rate. */
const CAPACITY_RESOLUTION = 0.1;

const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Production refuses short or placeholder secrets; a run makes its own.
const secret = () => randomBytes(32).toString('base64url');
const SERVER_KEY = secret();
const SECRETS = {
  ADMIN_API_KEY: secret(),
  SERVER_API_KEY: SERVER_KEY,
  PLAYER_JWT_SECRET: secret(),
  WEBHOOK_SECRET_STEAM: secret(),
  WEBHOOK_SECRET_PSN: secret(),
  WEBHOOK_SECRET_XBOX: secret(),
};
const run = randomBytes(4).toString('hex');
const databaseName = `armory_bench_${run}`;
const prefix = `armory_bench_${run}`;
const databaseUrl = (() => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

const runStarted = performance.now();
/** Progress on stderr, each line with the seconds since the run began. */
const log = (message: string) =>
  process.stderr.write(`[${Math.round((performance.now() - runStarted) / 1000)} s] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const roles: RoleProcess[] = [];
/** The loopback Redis Cluster of `--redis-cluster`, while it runs. */
let cluster: LoopbackCluster | undefined;
let armory: ArmoryBuild | undefined;
/** Peak RSS of every Armory process the run stopped, for the ≤ 200 MB per process goal. */
const armoryRss = { api: [] as number[], worker: [] as number[] };

/** Armory's roles run compiled, as in production; the baselines run through tsx. */
const armoryRole = (entry: 'api/main.js' | 'workers/main.js' | 'main.js'): RoleScript => {
  if (!armory) throw new Error('Armory is not built yet');
  return { compiled: armory.script(entry) };
};
const baselineRole = (name: string): RoleScript => ({
  tsx: path.join(import.meta.dirname, 'roles', `${name}.ts`),
});

const armoryEnv = (extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  QUEUE_PREFIX: prefix,
  ...SECRETS,
  LOG_LEVEL: 'warn',
  ...extra,
});

/** The settings of the baselines that write orders or take jobs; producer and worker share `queue`. */
const baselineEnv = (queue: string) => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  QUEUE_PREFIX: prefix,
  QUEUE_NAME: queue,
  WORKER_CONCURRENCY: String(options.workerConcurrency),
});

async function startRole(
  name: string,
  script: RoleScript,
  env: Record<string, string>,
  waitFor: 'ready-line' | 'http',
) {
  const port = await freePort();
  const role = await RoleProcess.start(
    name,
    script,
    { ...env, PORT: String(port) },
    waitFor === 'http' ? { url: `http://127.0.0.1:${port}/healthz` } : 'ready-line',
  );
  roles.push(role);
  return { role, url: `http://127.0.0.1:${port}` };
}

async function stopRole(role: RoleProcess): Promise<number> {
  roles.splice(roles.indexOf(role), 1);
  return role.stop();
}

async function stopAll(started: { role: RoleProcess }[]): Promise<number[]> {
  return Promise.all(started.map(({ role }) => stopRole(role)));
}

const startArmoryApi = (env: Record<string, string> = {}) =>
  startRole('armory-api', armoryRole('api/main.js'), armoryEnv(env), 'http');

async function stopArmoryApi(api: { role: RoleProcess }): Promise<number> {
  const rss = await stopRole(api.role);
  armoryRss.api.push(rss);
  return rss;
}

/** Armory worker processes, once each has registered with the queue (they serve no HTTP). */
async function startWorkers(
  processes: number,
  concurrency = options.workerConcurrency,
  env: Record<string, string> = {},
) {
  const started = await Promise.all(
    Array.from({ length: processes }, async (_, i) => {
      const role = await RoleProcess.start(
        `worker-${i}`,
        armoryRole('workers/main.js'),
        armoryEnv({ WORKER_CONCURRENCY: String(concurrency), ...env }),
        'nothing',
      );
      roles.push(role);
      return { role };
    }),
  );
  // Every worker process reads every shard: the first shard counts them all.
  const layout = { QUEUE_PREFIX: prefix, REDIS_URL, QUEUE_SHARDS: 1, ...env };
  const connection = openRedis(layout.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(ORDER_QUEUE, {
    connection,
    prefix: shardPrefix({ ...layout, QUEUE_SHARDS: Number(layout.QUEUE_SHARDS) }, 0),
  });
  const deadline = Date.now() + 60_000;
  while ((await queue.getWorkersCount()) < processes) {
    if (Date.now() > deadline) throw new Error('workers did not start');
    await sleep(100);
  }
  await queue.close();
  connection.disconnect();
  return started;
}

/** Stops Armory workers; returns the largest peak RSS among them. */
async function stopWorkers(workers: { role: RoleProcess }[]): Promise<number> {
  const rss = await stopAll(workers);
  armoryRss.worker.push(...rss);
  return Math.max(...rss);
}

function progress(label: string) {
  return (sent: number) => process.stderr.write(`\r  ${label}: ${sent} requests sent`);
}

function taggedOrders(tag: string, pick: PlayerPicker = uniformPlayers(options.players)) {
  const next = orderGenerator(options.mix, pick);
  let sequence = 0;
  return () => ({ ...next(), order_id: `${tag}${(sequence++).toString(36)}` });
}

/**
 * Load against a POST /v1/orders endpoint: closed loop (`--clients` requests always in flight),
 * or open loop at `ratePerSecond` whatever the answers' pace.
 */
async function acceptLoad(
  label: string,
  url: string,
  body: () => unknown,
  pace: { seconds?: number; ratePerSecond?: number } = {},
) {
  const next = () => ({ path: '/v1/orders', body: body() });
  return postLoad(label, url, { authorization: `Bearer ${SERVER_KEY}` }, next, pace);
}

/** Load of POSTs, each request's path and body from `next`: closed loop, or open loop at a rate. */
async function postLoad(
  label: string,
  url: string,
  headers: Record<string, string>,
  next: () => LoadRequest,
  { seconds = options.durationSeconds, ratePerSecond }: { seconds?: number; ratePerSecond?: number } = {},
) {
  const result = await runLoad({
    url,
    headers,
    next,
    concurrency: ratePerSecond ? OPEN_LOOP_CONNECTIONS : options.clients,
    durationMs: seconds * 1000,
    ...(ratePerSecond && { ratePerSecond }),
    onProgress: progress(label),
  });
  process.stderr.write('\n');
  return result;
}

/** Sends exactly `count` orders (closed loop), for building a backlog of a known size. */
async function sendOrders(url: string, count: number, body: () => unknown) {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections: options.clients });
  let left = count;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      // Counted down as each request starts, so that the clients together send exactly `count`.
      while (left-- > 0) {
        const response = await pool.request({
          method: 'POST',
          path: '/v1/orders',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVER_KEY}` },
          body: JSON.stringify(body()),
        });
        await response.body.dump();
      }
    }),
  );
  await pool.close();
}

// ---------------------------------------------------------------------------------------------

async function setup() {
  log(`armory bench ${run}: database ${databaseName}, queue prefix ${prefix}`);
  await migrateDatabase(databaseUrl);
  const orm = await openOrm(databaseUrl, { poolSize: 2 });
  await updateCatalog(orm.em.fork(), catalogUpdateSchema.parse(benchCatalog()));
  await orm.close();
  for (const statement of seedPlayersSql(options.players)) await db.query(statement);
  for (const statement of NAIVE_ORDERS_SQL) await db.query(statement);
  log(`  catalog loaded, ${options.players} players seeded`);
}

async function cleanup() {
  for (const role of [...roles]) await role.stop().catch(() => undefined);
  await cluster?.stop();
  await armory?.remove();
  await db.end().catch(() => undefined);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists "${databaseName}" with (force)`);
  await admin.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

function describeAccept(result: LoadResult): AcceptFigures {
  return {
    per_second: result.perSecond,
    accepted: result.accepted,
    errors: result.errors,
    latency_ms: result.latency,
  };
}

/** Baselines (a) and (b): a baseline accept endpoint under the same closed-loop load as Armory's. */
async function acceptBaseline(name: 'bare-express' | 'minimal-accept', tag: string) {
  const started = await startRole(name, baselineRole(name), baselineEnv('minimal'), 'ready-line');
  const result = await acceptLoad(name, started.url, taggedOrders(tag));
  return { ...describeAccept(result), peak_rss_mb: await stopRole(started.role) };
}

/**
 * Applies `expected` orders tagged `tag`, already queued, with fresh Armory workers; with the CPU
 * time the workers, PostgreSQL and Redis spent per order meanwhile (from the workers' start, less
 * what starting them took).
 */
async function drainWithWorkers(
  tag: string,
  expected: number,
  processes = options.workerProcesses,
  concurrency = options.workerConcurrency,
  env: Record<string, string> = {},
) {
  const services = () => cpuMsOfProcessesNamed('postgres') + cpuMsOfProcessesNamed('redis-server');
  const servicesBefore = services();
  const workers = await startWorkers(processes, concurrency, env);
  const bootMs = workers.reduce((sum, { role }) => sum + role.cpuMs(), 0);
  const drained = await drainOrders(db, ARMORY_ORDERS, tag, expected);
  const workersMs = workers.reduce((sum, { role }) => sum + role.cpuMs(), 0) - bootMs;
  const cpuMs = workersMs + services() - servicesBefore;
  await stopWorkers(workers);
  return { orders_per_second: drained.perSecond, orders: drained.orders, cpu_ms_per_order: cpuMs / expected };
}

type Drained = Awaited<ReturnType<typeof drainWithWorkers>>;

/** Queues a backlog of `--backlog` orders through the API (no worker running), then drains it. */
async function processBacklog(
  apiUrl: string,
  tag: string,
  pick: PlayerPicker,
  processes?: number,
  concurrency?: number,
  env: Record<string, string> = {},
) {
  await sendOrders(apiUrl, options.backlog, taggedOrders(tag, pick));
  return drainWithWorkers(tag, options.backlog, processes, concurrency, env);
}

/**
 * What events out costs the order path, with every final order raising an `order.finished` event for
 * a subscriber on loopback that accepts each at once (Armory's cost, not a slow subscriber's).
 * Rounds of two backlogs: one with no subscriber, then one applied by workers that record the events
 * but deliver none (EVENT_CONCURRENCY=0, the deployment that delivers from other processes); one more
 * backlog without closes the series. Each side's figure is the mean of its passes: the machine's
 * speed drifts by about 10 % between passes, more than the cost being measured. After the last
 * recorded pass, its events are delivered by one worker process; then another backlog is applied by
 * workers that deliver as well, on this same machine.
 */
async function processBacklogWithEvents(apiUrl: string) {
  let delivered = 0;
  const subscriber = createServer((req, res) => {
    req.resume().on('end', () => {
      delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/events`;
  const subscribe = async (subscriptions: object[]) => {
    const response = await fetch(`${apiUrl}/v1/admin/subscriptions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ADMIN_API_KEY}` },
      body: JSON.stringify({ subscriptions }),
    });
    if (!response.ok) throw new Error(`subscribing answered ${response.status}: ${await response.text()}`);
  };
  const allDelivered = async (count: number) => {
    while (delivered < count) {
      process.stderr.write(`\r  events delivered: ${delivered}/${count}`);
      await sleep(50);
    }
    process.stderr.write('\n');
  };
  const withoutEvents = (tag: string) => processBacklog(apiUrl, tag, uniformPlayers(options.players));
  const recordingEvents = async (tag: string) => {
    await sendOrders(apiUrl, options.backlog, taggedOrders(tag));
    return drainWithWorkers(tag, options.backlog, options.workerProcesses, options.workerConcurrency, {
      EVENT_CONCURRENCY: '0',
    });
  };
  const subscription = {
    url,
    events: ['order.finished'],
    secret: `whsec_${randomBytes(24).toString('base64')}`,
  };

  const without: Drained[] = [];
  const recorded: Drained[] = [];
  for (let pass = 1; pass <= options.eventsRounds; pass++) {
    without.push(await withoutEvents(`plain-${pass}-`));
    await subscribe([subscription]);
    recorded.push(await recordingEvents(`events-${pass}-`));
    // Unsubscribing drops the round's deliveries, except the last round's: they are delivered next.
    if (pass < options.eventsRounds) await subscribe([]);
  }

  const deliveryStarted = performance.now();
  const deliverers = await startWorkers(1);
  await allDelivered(options.backlog);
  const eventsPerSecond = round(options.backlog / ((performance.now() - deliveryStarted) / 1000));
  await stopWorkers(deliverers);

  await sendOrders(apiUrl, options.backlog, taggedOrders('events-both-'));
  const both = await startWorkers(options.workerProcesses);
  const drained = await drainOrders(db, ARMORY_ORDERS, 'events-both-', options.backlog);
  await allDelivered(2 * options.backlog);
  await stopWorkers(both);
  await subscribe([]);
  await new Promise((resolve) => subscriber.close(resolve));
  without.push(await withoutEvents('plain-last-'));

  const mean = (passes: Drained[], figure: (pass: Drained) => number, digits = 1) =>
    round(passes.reduce((sum, pass) => sum + figure(pass), 0) / passes.length, digits);
  return {
    orders_per_second: mean(recorded, (pass) => pass.orders_per_second),
    orders: options.backlog * options.eventsRounds,
    rounds: options.eventsRounds,
    events_per_second: eventsPerSecond,
    delivering_orders_per_second: drained.perSecond,
    without_events_orders_per_second: mean(without, (pass) => pass.orders_per_second),
    cpu_ms_per_order: mean(recorded, (pass) => pass.cpu_ms_per_order, 3),
    without_events_cpu_ms_per_order: mean(without, (pass) => pass.cpu_ms_per_order, 3),
  };
}

async function scalingTable(apiUrl: string): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  for (const processes of options.scalingProcesses) {
    for (const concurrency of new Set([4, options.workerConcurrency])) {
      const drained = await processBacklog(
        apiUrl,
        `s${processes}c${concurrency}-`,
        uniformPlayers(options.players),
        processes,
        concurrency,
      );
      rows.push({ processes, concurrency, orders_per_second: drained.orders_per_second });
    }
  }
  return rows;
}

/** Shards of the order queue on the Redis Cluster: enough to spread over its three masters. */
const CLUSTER_QUEUE_SHARDS = 8;

/**
 * `--redis-cluster`: the scaling passes again (concurrency `--worker-concurrency`), with the API and
 * workers on a Redis Cluster of three masters and three replicas started on loopback and the order
 * queue in CLUSTER_QUEUE_SHARDS shards; beside the single-Redis passes of the scaling table.
 */
async function clusterScaling(single: ScalingRow[]): Promise<ClusterScaling> {
  cluster = await startLoopbackCluster(3, 1);
  const env = { REDIS_URL: cluster.url, QUEUE_SHARDS: String(CLUSTER_QUEUE_SHARDS) };
  const api = await startArmoryApi(env);
  const rows: ClusterScaling['rows'] = [];
  for (const processes of options.scalingProcesses) {
    const drained = await processBacklog(
      api.url,
      `rc${processes}-`,
      uniformPlayers(options.players),
      processes,
      options.workerConcurrency,
      env,
    );
    const alone = single.find(
      (row) => row.processes === processes && row.concurrency === options.workerConcurrency,
    );
    rows.push({
      processes,
      single_redis_orders_per_second: alone?.orders_per_second ?? 0,
      cluster_orders_per_second: drained.orders_per_second,
    });
  }
  await stopArmoryApi(api);
  await cluster.stop();
  cluster = undefined;
  return { masters: 3, replicas: 3, queue_shards: CLUSTER_QUEUE_SHARDS, rows };
}

/** Baseline (c): a BullMQ worker with an empty processor, draining `count` jobs. */
async function emptyWorkerBaseline(count: number) {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('empty', { connection, prefix });
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, () => ({ name: 'job', data: {} })));
  }
  const started = performance.now();
  const { role } = await startRole(
    'empty-worker',
    baselineRole('empty-worker'),
    baselineEnv('empty'),
    'ready-line',
  );
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const left = Object.values(counts).reduce((sum, n) => sum + n, 0);
    process.stderr.write(`\r  empty worker: ${count - left}/${count}`);
    if (left === 0) break;
    await sleep(50);
  }
  process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  const rss = await stopRole(role);
  await queue.close();
  connection.disconnect();
  return { jobs_per_second: round(count / seconds), peak_rss_mb: rss };
}

/** Baseline (d): one hand-written SQL transaction per order, through `pg`, on a queued backlog. */
async function rawWorkerBaseline(count: number) {
  const { rows } = await db.query<{ id: string; player_uuid: string }>(
    `insert into bench_raw_order (order_id, body, player_uuid)
       select 'd-' || i, '{}'::jsonb,
              ('00000000-0000-4000-8000-' || lpad(to_hex((random() * ${options.players - 1})::int), 12, '0'))::uuid
         from generate_series(1, $1) i
       returning id, player_uuid`,
    [count],
  );
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix });
  for (let i = 0; i < rows.length; i += 1000) {
    await queue.addBulk(rows.slice(i, i + 1000).map((row) => ({ name: 'order', data: row })));
  }
  const { role } = await startRole(
    'raw-worker',
    baselineRole('raw-worker'),
    baselineEnv('raw'),
    'ready-line',
  );
  const drained = await drainOrders(db, NAIVE_ORDERS, 'd-', count);
  const rss = await stopRole(role);
  await queue.close();
  connection.disconnect();
  return { orders_per_second: drained.perSecond, peak_rss_mb: rss };
}

// ---------------------------------------------------------------------------------------------
// (e) End-to-end capacity: an accept role and its workers on this one machine, under open-loop load.

/** An accept role and the workers that apply what it accepts, run together. */
interface Pipeline {
  key: 'armory' | 'naive';
  /** Which processes run, for the results. */
  processes: string;
  orders: OrderTable;
  start: () => Promise<RunningPipeline>;
}

interface RunningPipeline {
  url: string;
  accept: RoleProcess;
  workers: RoleProcess[];
  stop: () => Promise<{ accept: number; worker: number }>;
}

/** CPU time used so far by each part of a running pipeline, and by PostgreSQL and Redis, in ms. */
const cpuReading = (running: RunningPipeline): CpuPerOrder => ({
  accept: running.accept.cpuMs(),
  workers: running.workers.reduce((sum, worker) => sum + worker.cpuMs(), 0),
  postgres: cpuMsOfProcessesNamed('postgres'),
  redis: cpuMsOfProcessesNamed('redis-server'),
});

const armoryPipeline: Pipeline = {
  key: 'armory',
  processes: `node dist/api/main.js + ${options.workerProcesses} × node dist/workers/main.js (concurrency ${options.workerConcurrency})`,
  orders: ARMORY_ORDERS,
  start: async () => {
    const api = await startArmoryApi();
    const workers = await startWorkers(options.workerProcesses);
    return {
      url: api.url,
      accept: api.role,
      workers: workers.map(({ role }) => role),
      stop: async () => ({ accept: await stopArmoryApi(api), worker: await stopWorkers(workers) }),
    };
  },
};

const naivePipeline: Pipeline = {
  key: 'naive',
  processes: `(b) minimal accept + ${options.workerProcesses} × (d) raw worker (concurrency ${options.workerConcurrency})`,
  orders: NAIVE_ORDERS,
  start: async () => {
    // Its own queue name: (b)'s phase left its jobs in 'minimal', with no worker ever to take them.
    const env = baselineEnv('naive');
    const accept = await startRole('naive-accept', baselineRole('minimal-accept'), env, 'ready-line');
    const workers = await Promise.all(
      Array.from({ length: options.workerProcesses }, (_, i) =>
        startRole(`naive-worker-${i}`, baselineRole('raw-worker'), env, 'ready-line'),
      ),
    );
    return {
      url: accept.url,
      accept: accept.role,
      workers: workers.map(({ role }) => role),
      stop: async () => ({
        accept: await stopRole(accept.role),
        worker: Math.max(...(await stopAll(workers))),
      }),
    };
  },
};

/**
 * One rate: open-loop load for `seconds`, then every accepted order final. It passes when every
 * request was answered 2xx and in time (KEPT_UP_SHARE) and the p99 accept → final is within goal.
 * Where the machine's CPU went meanwhile is divided by the orders accepted (the load generator's
 * own share is the rest).
 */
async function tryRate(
  pipeline: Pipeline,
  running: RunningPipeline,
  rate: number,
  tag: string,
  seconds: number,
): Promise<CapacityStep> {
  const before = cpuReading(running);
  const load = await acceptLoad(`${pipeline.key} at ${rate}/s`, running.url, taggedOrders(tag), {
    seconds,
    ratePerSecond: rate,
  });
  await drainOrders(db, pipeline.orders, tag, load.accepted);
  const after = cpuReading(running);
  const perOrder = (part: keyof CpuPerOrder) =>
    round((after[part] - before[part]) / Math.max(1, load.accepted), 2);
  const latency = await acceptToFinalLatency(db, pipeline.orders, tag);
  const keptUp = load.errors === 0 && load.acceptedInTime >= KEPT_UP_SHARE * rate * seconds;
  return {
    rate,
    passed: keptUp && latency.p99 <= P99_GOAL_MS,
    answered_per_second: round(load.acceptedInTime / seconds),
    errors: load.errors,
    http_p99_ms: load.latency.p99,
    accept_to_final_ms: latency,
    cpu_ms_per_order: {
      accept: perOrder('accept'),
      workers: perOrder('workers'),
      postgres: perOrder('postgres'),
      redis: perOrder('redis'),
    },
  };
}

/**
 * The capacity search on one pipeline, then accept → final at half the capacity found, for the
 * usual phase duration, with the same processes.
 */
async function measureCapacity(pipeline: Pipeline, startRate: number): Promise<CapacityFigures> {
  log(
    `(e) end-to-end capacity, ${pipeline.processes}: ${options.capacitySeconds} s steps from ${startRate}/s`,
  );
  const running = await pipeline.start();
  // Unmeasured: fresh processes open their pooled connections and warm their JIT on first orders.
  await tryRate(pipeline, running, startRate, `warm${pipeline.key}-`, options.capacitySeconds);
  let step = 0;
  const search = await searchCapacity(
    { startRate, maxSteps: options.capacitySteps, resolution: CAPACITY_RESOLUTION },
    (rate) => tryRate(pipeline, running, rate, `e${step++}${pipeline.key}-`, options.capacitySeconds),
  );
  const halfRate = Math.max(1, Math.round(search.capacity / 2));
  log(`  ${pipeline.key}: capacity ${search.capacity}/s; accept → final at ${halfRate}/s (half)`);
  const halfLoad = await tryRate(
    pipeline,
    running,
    halfRate,
    `half${pipeline.key}-`,
    options.durationSeconds,
  );
  return {
    orders_per_second: search.capacity,
    processes: pipeline.processes,
    start_rate: startRate,
    steps: search.steps,
    half_load: halfLoad,
    peak_rss_mb: await running.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// Synchronous writes: a write answered once final, native (`Prefer: wait`) and through /playfab.

/** How many players' LootLocker wallets the pass uses (each looked up once before it). */
const LOOTLOCKER_WALLET_PLAYERS = 500;

/** Closed loop (`--clients` in flight) and open loop at `rate` (half the capacity), for each API. */
async function syncWrites(rate: number): Promise<SyncWriteFigures> {
  const running = await armoryPipeline.start();
  const tokenResponse = await fetch(`${running.url}/playfab/Authentication/GetEntityToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-secretkey': SERVER_KEY },
    body: '{}',
  });
  const token = ((await tokenResponse.json()) as { data: { EntityToken: string } }).data.EntityToken;
  const llToken = (
    (await (
      await fetch(`${running.url}/lootlocker/server/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-server-key': SERVER_KEY },
        body: '{}',
      })
    ).json()) as { token: string }
  ).token;
  // Each LootLocker player's wallet (made on first lookup), for the players the pass picks from.
  const walletPlayers = Math.min(options.players, LOOTLOCKER_WALLET_PLAYERS);
  const wallets = await Promise.all(
    Array.from({ length: walletPlayers }, async (_, index) => {
      const response = await fetch(`${running.url}/lootlocker/server/wallet/holder/${playerUuid(index)}`, {
        headers: { 'x-auth-token': llToken },
      });
      return ((await response.json()) as { id: string }).id;
    }),
  );
  const apis = {
    native: {
      headers: { authorization: `Bearer ${SERVER_KEY}`, prefer: 'wait=10' },
      next: (tag: string) => {
        const body = taggedOrders(tag);
        return () => ({ path: '/v1/orders', body: body() });
      },
    },
    playfab: {
      headers: { 'x-entitytoken': token },
      next: () => playfabRequests(uniformPlayers(options.players)),
    },
    lootlocker: {
      headers: { 'x-auth-token': llToken },
      next: () => lootlockerRequests(uniformPlayers(walletPlayers), (index) => wallets[index]!),
    },
  };
  const figures = {} as SyncWriteFigures;
  for (const [name, api] of Object.entries(apis) as [keyof typeof apis, (typeof apis)[keyof typeof apis]][]) {
    // Unmeasured: the first requests of each kind warm the processes.
    await postLoad(`${name} sync warm-up`, running.url, api.headers, api.next(`sw${name}-`), { seconds: 1 });
    const closed = await postLoad(`${name} sync writes`, running.url, api.headers, api.next(`sc${name}-`));
    const atHalf = await postLoad(
      `${name} sync writes at ${rate}/s`,
      running.url,
      api.headers,
      api.next(`sh${name}-`),
      {
        ratePerSecond: rate,
      },
    );
    figures[name] = { closed: describeSync(closed), at_half: describeSync(atHalf) };
  }
  await running.stop();
  return { ...figures, rate_per_second: rate, clients: options.clients };
}

const describeSync = (result: LoadResult) => ({
  ...describeAccept(result),
  // A 202 is a write not final within its wait: answered, but not synchronously.
  not_final: result.statuses['202'] ?? 0,
});

/**
 * Where a search starts: a quarter of the slower of the pipeline's two halves measured alone. Each
 * half had the whole machine then, so the pair's capacity is below that; two doublings reach it.
 */
const searchStart = (acceptPerSecond: number, processedPerSecond: number) =>
  Math.max(1, Math.round(Math.min(acceptPerSecond, processedPerSecond) / 4));

async function main() {
  log('building Armory (tsc -p tsconfig.build.json) into a temporary directory');
  armory = new ArmoryBuild();
  await armory.compile();
  await setup();

  log('(a) bare Express endpoint');
  const bareExpress = await acceptBaseline('bare-express', 'a-');
  log('(b) minimal accept path: INSERT + queue.add');
  const minimalAccept = await acceptBaseline('minimal-accept', 'b-');

  log('Armory accept (API only; orders wait in the queue)');
  const api = await startArmoryApi();
  const accept = await acceptLoad('armory accept', api.url, taggedOrders('acc-'));
  log(
    `Armory processing: ${options.workerProcesses} worker process(es) × concurrency ${options.workerConcurrency}`,
  );
  const processing = await drainWithWorkers('acc-', accept.accepted);
  log('Armory processing, Zipf-skewed players');
  const zipf = await processBacklog(api.url, 'zipf-', zipfPlayers(options.players));
  log(`Armory processing, one hot player with ${HOT_PLAYER_SHARE * 100} % of the orders`);
  const hot = await processBacklog(api.url, 'hot-', hotPlayer(options.players, HOT_PLAYER_SHARE));
  log(
    `Armory processing with events out, in ${options.eventsRounds} round(s) beside the same backlog without`,
  );
  const eventsOut = await processBacklogWithEvents(api.url);
  log('Scaling: worker processes × concurrency');
  const scaling = await scalingTable(api.url);
  await stopArmoryApi(api);
  let redisCluster: ClusterScaling | undefined;
  if (options.redisCluster) {
    log(
      `Scaling on a Redis Cluster on loopback (3 masters, 3 replicas, ${CLUSTER_QUEUE_SHARDS} queue shards)`,
    );
    redisCluster = await clusterScaling(scaling);
  }

  log('(c) BullMQ worker with an empty processor');
  const emptyWorker = await emptyWorkerBaseline(options.backlog * 2);
  log('(d) raw worker: one SQL transaction per order through pg');
  const rawWorker = await rawWorkerBaseline(options.backlog);

  const armoryCapacity = await measureCapacity(
    armoryPipeline,
    searchStart(accept.perSecond, processing.orders_per_second),
  );
  const naiveCapacity = await measureCapacity(
    naivePipeline,
    searchStart(minimalAccept.per_second, rawWorker.orders_per_second),
  );
  log('Synchronous writes, native and PlayFab: closed loop, then at half the Armory capacity');
  const syncWriteFigures = await syncWrites(armoryCapacity.half_load.rate);

  const armoryFigures: ArmoryFigures = {
    accept: describeAccept(accept),
    processing,
    processing_zipf: zipf,
    processing_hot_player: { ...hot, hot_share: HOT_PLAYER_SHARE },
    processing_events_out: eventsOut,
    accept_to_final_ms: {
      rate_per_second: armoryCapacity.half_load.rate,
      ...armoryCapacity.half_load.accept_to_final_ms,
    },
    scaling,
    ...(redisCluster && { redis_cluster: redisCluster }),
    capacity: armoryCapacity,
    sync_writes: syncWriteFigures,
    peak_rss_mb: { api: Math.max(...armoryRss.api), worker: Math.max(...armoryRss.worker) },
  };
  const baselines: BaselineFigures = {
    bare_express: bareExpress,
    minimal_accept: minimalAccept,
    empty_worker: emptyWorker,
    raw_worker: rawWorker,
    naive_pipeline: naiveCapacity,
  };
  const ratios = ratiosOf(armoryFigures, baselines);
  const results: Results = {
    run,
    when: new Date().toISOString(),
    seconds: round((performance.now() - runStarted) / 1000),
    options: { ...options, out: undefined },
    hardware: await hardware(),
    armory: armoryFigures,
    baselines,
    ratios,
    goals: goalsOf(armoryFigures, ratios),
    p99_accept_to_final_ms: armoryFigures.accept_to_final_ms.p99,
    capacity_vs_naive: ratios.capacity_vs_naive,
  };
  writeResults(results);
}

function writeResults(results: Results) {
  const markdown = renderMarkdown(results);
  process.stdout.write(`\n${markdown}\n`);
  mkdirSync(options.out, { recursive: true });
  const stamp = results.when.replace(/[:.]/g, '-');
  for (const name of [stamp, 'latest']) {
    writeFileSync(path.join(options.out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join(options.out, `${name}.md`), markdown);
  }
  log(`results written to ${options.out}/latest.json and latest.md (${results.seconds} s)`);
}

async function hardware() {
  const { rows } = await db.query<{ server_version: string }>('show server_version');
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('server');
  redis.disconnect();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres: rows[0]!.server_version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
  };
}

let cleaningUp: Promise<void> | undefined;
const cleanupOnce = () => (cleaningUp ??= cleanup());
// Ctrl-C or a kill: still stop the roles and remove the build, the database and the queue keys.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanupOnce().finally(() => process.exit(130)));
}

try {
  await main();
} finally {
  await cleanupOnce();
}
