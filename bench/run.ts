/**
 * `npm run bench`: Armory's accept and processing figures, side by side with the baselines that
 * bound them, against the same PostgreSQL and Redis. Creates its own database and queue prefix and
 * removes them afterwards. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
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
import { ORDER_QUEUE } from '../src/queue/order-queue.js';
import { buildArmory, type CompiledArmory } from './build.js';
import { round, runLoad, type LoadResult } from './load.js';
import { freePort, RoleProcess, type RoleScript } from './processes.js';
import {
  benchCatalog,
  DEFAULT_MIX,
  orderGenerator,
  parseMix,
  seedPlayersSql,
  uniformPlayers,
  zipfPlayers,
  type Mix,
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
  out: flags.out ?? path.join(import.meta.dirname, 'results'),
};

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

const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const roles: RoleProcess[] = [];
let armory: CompiledArmory | undefined;

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

function progress(label: string) {
  return (sent: number) => process.stderr.write(`\r  ${label}: ${sent} requests sent`);
}

/** Closed-loop load against a POST /v1/orders endpoint for the configured duration. */
async function acceptLoad(
  label: string,
  url: string,
  body: () => unknown,
  seconds = options.durationSeconds,
) {
  const result = await runLoad({
    url,
    path: '/v1/orders',
    headers: { authorization: `Bearer ${SERVER_KEY}` },
    body,
    concurrency: options.clients,
    durationMs: seconds * 1000,
    onProgress: progress(label),
  });
  process.stderr.write('\n');
  return result;
}

/** Sends exactly `count` orders (closed loop), for building a backlog of a known size. */
async function sendOrders(url: string, count: number, body: () => unknown) {
  let left = count;
  await runLoadUntil(url, () => (left-- > 0 ? body() : null));
}

async function runLoadUntil(url: string, next: () => unknown) {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections: options.clients });
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      for (let body = next(); body !== null; body = next()) {
        const response = await pool.request({
          method: 'POST',
          path: '/v1/orders',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVER_KEY}` },
          body: JSON.stringify(body),
        });
        await response.body.dump();
      }
    }),
  );
  await pool.close();
}

/** Waits until every order whose id starts with `tag` is final; returns throughput from DB timestamps. */
async function drainOrders(tag: string, expected: number): Promise<{ orders: number; perSecond: number }> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await db.query<{ done: number; total: number }>(
      `select count(*) filter (where status in ('succeeded', 'partially_succeeded', 'failed', 'errored'))::int as done,
              count(*)::int as total
         from player_order where order_id like $1`,
      [`${tag}%`],
    );
    process.stderr.write(`\r  processing ${tag}: ${rows[0]!.done}/${expected}`);
    if (rows[0]!.done >= expected) break;
    if (Date.now() > deadline) throw new Error(`orders ${tag} did not finish`);
    await sleep(250);
  }
  process.stderr.write('\n');
  const { rows } = await db.query<{ n: number; seconds: number }>(
    `select count(*)::int as n, extract(epoch from max(completed_time) - min(completed_time))::float as seconds
       from player_order where order_id like $1`,
    [`${tag}%`],
  );
  const { n, seconds } = rows[0]!;
  return { orders: n, perSecond: round(n / Math.max(seconds, 0.001)) };
}

function taggedOrders(tag: string, mix: Mix, pick: PlayerPicker) {
  const next = orderGenerator(mix, pick);
  let sequence = 0;
  return () => ({ ...next(), order_id: `${tag}${(sequence++).toString(36)}` });
}

/** Armory worker processes, once each has registered with the queue (they serve no HTTP). */
async function startWorkers(processes: number, concurrency: number) {
  const started = await Promise.all(
    Array.from({ length: processes }, async (_, i) => {
      const role = await RoleProcess.start(
        `worker-${i}`,
        armoryRole('workers/main.js'),
        armoryEnv({ WORKER_CONCURRENCY: String(concurrency) }),
        'nothing',
      );
      roles.push(role);
      return { role };
    }),
  );
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(ORDER_QUEUE, { connection, prefix });
  const deadline = Date.now() + 60_000;
  while ((await queue.getWorkersCount()) < processes) {
    if (Date.now() > deadline) throw new Error('workers did not start');
    await sleep(100);
  }
  await queue.close();
  connection.disconnect();
  return started;
}

async function stopAll(started: { role: RoleProcess }[]): Promise<number[]> {
  return Promise.all(started.map(({ role }) => stopRole(role)));
}

// ---------------------------------------------------------------------------------------------

async function setup() {
  log(`armory bench ${run}: database ${databaseName}, queue prefix ${prefix}`);
  await migrateDatabase(databaseUrl);
  const orm = await openOrm(databaseUrl, { poolSize: 2 });
  await updateCatalog(orm.em.fork(), catalogUpdateSchema.parse(benchCatalog()));
  await orm.close();
  for (const statement of seedPlayersSql(options.players)) await db.query(statement);
  await db.query(`create table bench_raw_order (id bigserial primary key, body jsonb not null, player_uuid uuid,
                    status text not null default 'queued', completed_time timestamptz)`);
  await db.query('create table bench_raw_result (order_id bigint not null, result text not null)');
  log(`  catalog loaded, ${options.players} players seeded`);
}

async function cleanup() {
  for (const role of [...roles]) await role.stop().catch(() => undefined);
  armory?.remove();
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
    { REDIS_URL, QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: String(options.workerConcurrency) },
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
  return { jobsPerSecond: round(count / seconds), peakRssMb: rss };
}

/** Baseline (d): one hand-written SQL transaction per order, through `pg`. */
async function rawWorkerBaseline(count: number) {
  await db.query(
    `insert into bench_raw_order (body, player_uuid)
       select '{}'::jsonb, ('00000000-0000-4000-8000-' || lpad(to_hex((random() * ${options.players - 1})::int), 12, '0'))::uuid
         from generate_series(1, $1)`,
    [count],
  );
  const { rows } = await db.query<{ id: string; player_uuid: string }>(
    `select id, player_uuid from bench_raw_order where status = 'queued' order by id`,
  );
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix });
  for (let i = 0; i < rows.length; i += 1000) {
    await queue.addBulk(rows.slice(i, i + 1000).map((row) => ({ name: 'order', data: row })));
  }
  const { role } = await startRole(
    'raw-worker',
    baselineRole('raw-worker'),
    {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(options.workerConcurrency),
    },
    'ready-line',
  );
  for (;;) {
    const { rows: done } = await db.query<{ n: number }>(
      `select count(*)::int as n from bench_raw_order where status = 'done'`,
    );
    process.stderr.write(`\r  raw worker: ${done[0]!.n}/${count}`);
    if (done[0]!.n >= count) break;
    await sleep(100);
  }
  process.stderr.write('\n');
  const { rows: timing } = await db.query<{ seconds: number }>(
    `select extract(epoch from max(completed_time) - min(completed_time))::float as seconds from bench_raw_order`,
  );
  const rss = await stopRole(role);
  await queue.close();
  connection.disconnect();
  return { ordersPerSecond: round(count / Math.max(timing[0]!.seconds, 0.001)), peakRssMb: rss };
}

async function acceptToFinalLatency(tag: string) {
  const { rows } = await db.query<{ p50: number; p95: number; p99: number; n: number }>(
    `select count(*)::int as n,
            percentile_cont(0.50) within group (order by ms) as p50,
            percentile_cont(0.95) within group (order by ms) as p95,
            percentile_cont(0.99) within group (order by ms) as p99
       from (select extract(epoch from completed_time - created_time) * 1000 as ms
               from player_order where order_id like $1) t`,
    [`${tag}%`],
  );
  const row = rows[0]!;
  return { orders: row.n, p50: round(row.p50), p95: round(row.p95), p99: round(row.p99) };
}

function describeAccept(result: LoadResult) {
  return {
    per_second: result.perSecond,
    accepted: result.accepted,
    errors: result.errors,
    latency_ms: result.latency,
  };
}

async function main() {
  const begun = performance.now();
  log('building Armory (tsc -p tsconfig.build.json) into a temporary directory');
  armory = await buildArmory();
  await setup();
  const uniform = uniformPlayers(options.players);
  const zipf = zipfPlayers(options.players);

  log('(a) bare Express endpoint');
  const bare = await startRole('bare-express', baselineRole('bare-express'), {}, 'ready-line');
  const bareResult = await acceptLoad('bare express', bare.url, taggedOrders('a-', options.mix, uniform));
  const bareRss = await stopRole(bare.role);

  log('(b) minimal accept path: INSERT + queue.add');
  const minimal = await startRole(
    'minimal-accept',
    baselineRole('minimal-accept'),
    { DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: prefix },
    'ready-line',
  );
  const minimalResult = await acceptLoad(
    'minimal accept',
    minimal.url,
    taggedOrders('b-', options.mix, uniform),
  );
  const minimalRss = await stopRole(minimal.role);

  log('Armory accept (API only; orders wait in the queue)');
  const api = await startRole('armory-api', armoryRole('api/main.js'), armoryEnv(), 'http');
  const acceptResult = await acceptLoad('armory accept', api.url, taggedOrders('acc-', options.mix, uniform));

  log(
    `Armory processing: ${options.workerProcesses} worker process(es) × concurrency ${options.workerConcurrency}`,
  );
  const workers = await startWorkers(options.workerProcesses, options.workerConcurrency);
  const processing = await drainOrders('acc-', acceptResult.accepted);
  const workerRss = await stopAll(workers);

  log('Armory processing, Zipf-skewed players (hot players)');
  await sendOrders(api.url, options.backlog, taggedOrders('zipf-', options.mix, zipf));
  const zipfWorkers = await startWorkers(options.workerProcesses, options.workerConcurrency);
  const zipfProcessing = await drainOrders('zipf-', options.backlog);
  workerRss.push(...(await stopAll(zipfWorkers)));

  log('Scaling: worker processes × concurrency');
  const scaling: { processes: number; concurrency: number; orders_per_second: number }[] = [];
  for (const processes of [1, 2]) {
    for (const concurrency of [4, options.workerConcurrency]) {
      const tag = `s${processes}c${concurrency}-`;
      await sendOrders(api.url, options.backlog, taggedOrders(tag, options.mix, uniform));
      const started = await startWorkers(processes, concurrency);
      const drained = await drainOrders(tag, options.backlog);
      workerRss.push(...(await stopAll(started)));
      scaling.push({ processes, concurrency, orders_per_second: drained.perSecond });
    }
  }

  const processedMax = Math.min(processing.perSecond, acceptResult.perSecond);
  const rate = Math.max(1, Math.round(processedMax / 2));
  log(`Accept → final latency at ${rate} orders/s (half the measured maximum)`);
  const halfWorkers = await startWorkers(options.workerProcesses, options.workerConcurrency);
  const halfLoad = await runLoad({
    url: api.url,
    path: '/v1/orders',
    headers: { authorization: `Bearer ${SERVER_KEY}` },
    body: taggedOrders('half-', options.mix, uniform),
    concurrency: options.clients,
    durationMs: options.durationSeconds * 1000,
    ratePerSecond: rate,
    onProgress: progress('half load'),
  });
  process.stderr.write('\n');
  await drainOrders('half-', halfLoad.accepted);
  const latency = await acceptToFinalLatency('half-');
  workerRss.push(...(await stopAll(halfWorkers)));
  const apiRss = await stopRole(api.role);

  log('(c) BullMQ worker with an empty processor');
  const empty = await emptyWorkerBaseline(options.backlog * 2);
  log('(d) raw worker: one SQL transaction per order through pg');
  const raw = await rawWorkerBaseline(options.backlog);

  const results = {
    run,
    when: new Date().toISOString(),
    seconds: round((performance.now() - begun) / 1000),
    options: { ...options, out: undefined },
    hardware: await hardware(),
    armory: {
      accept: describeAccept(acceptResult),
      processing: { orders_per_second: processing.perSecond, orders: processing.orders },
      processing_zipf: { orders_per_second: zipfProcessing.perSecond, orders: zipfProcessing.orders },
      accept_to_final_ms: { rate_per_second: rate, ...latency },
      scaling,
      peak_rss_mb: { api: apiRss, worker: Math.max(...workerRss) },
    },
    baselines: {
      bare_express: { ...describeAccept(bareResult), peak_rss_mb: bareRss },
      minimal_accept: { ...describeAccept(minimalResult), peak_rss_mb: minimalRss },
      empty_worker: { jobs_per_second: empty.jobsPerSecond, peak_rss_mb: empty.peakRssMb },
      raw_worker: { orders_per_second: raw.ordersPerSecond, peak_rss_mb: raw.peakRssMb },
    },
    ratios: {
      accept_vs_minimal: round(acceptResult.perSecond / Math.max(minimalResult.perSecond, 0.001), 2),
      processed_vs_raw_worker: round(processing.perSecond / Math.max(raw.ordersPerSecond, 0.001), 2),
    },
    p99_accept_to_final_ms: latency.p99,
  };
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

type Results = {
  hardware: Awaited<ReturnType<typeof hardware>>;
  options: Record<string, unknown>;
  armory: {
    accept: ReturnType<typeof describeAccept>;
    processing: { orders_per_second: number };
    processing_zipf: { orders_per_second: number };
    accept_to_final_ms: { rate_per_second: number; p50: number; p95: number; p99: number };
    scaling: { processes: number; concurrency: number; orders_per_second: number }[];
    peak_rss_mb: { api: number; worker: number };
  };
  baselines: {
    bare_express: ReturnType<typeof describeAccept> & { peak_rss_mb: number };
    minimal_accept: ReturnType<typeof describeAccept> & { peak_rss_mb: number };
    empty_worker: { jobs_per_second: number; peak_rss_mb: number };
    raw_worker: { orders_per_second: number; peak_rss_mb: number };
  };
  ratios: { accept_vs_minimal: number; processed_vs_raw_worker: number };
};

function renderMarkdown(r: Results): string {
  const a = r.armory;
  const b = r.baselines;
  const lat = (l: { p50: number; p95: number; p99: number }) => `${l.p50} / ${l.p95} / ${l.p99}`;
  return [
    `Hardware: ${r.hardware.cores} × ${r.hardware.cpu}, ${r.hardware.memory_gb} GB; Node ${r.hardware.node},`,
    `PostgreSQL ${r.hardware.postgres}, Redis ${r.hardware.redis}. Options: ${JSON.stringify(r.options)}`,
    '',
    '| what | per second | latency p50 / p95 / p99 (ms) | peak RSS (MB) |',
    '| --- | ---: | --- | ---: |',
    `| (a) bare Express, parse + 202 | ${b.bare_express.per_second} | ${lat(b.bare_express.latency_ms)} | ${b.bare_express.peak_rss_mb} |`,
    `| (b) minimal accept: INSERT + queue.add | ${b.minimal_accept.per_second} | ${lat(b.minimal_accept.latency_ms)} | ${b.minimal_accept.peak_rss_mb} |`,
    `| **Armory accept** (202s) | **${a.accept.per_second}** | ${lat(a.accept.latency_ms)} | ${a.peak_rss_mb.api} |`,
    `| (c) BullMQ empty processor (jobs) | ${b.empty_worker.jobs_per_second} | | ${b.empty_worker.peak_rss_mb} |`,
    `| (d) raw worker: one SQL transaction per order | ${b.raw_worker.orders_per_second} | | ${b.raw_worker.peak_rss_mb} |`,
    `| **Armory processing** (orders final) | **${a.processing.orders_per_second}** | | ${a.peak_rss_mb.worker} |`,
    `| Armory processing, Zipf-skewed players | ${a.processing_zipf.orders_per_second} | | |`,
    `| Armory accept → final at ${a.accept_to_final_ms.rate_per_second}/s (half load) | | ${lat(a.accept_to_final_ms)} | |`,
    '',
    `Ratios: accept / (b) = **${r.ratios.accept_vs_minimal}** (goal ≥ 0.6); processing / (d) = **${r.ratios.processed_vs_raw_worker}** (goal ≥ 1.0).`,
    '',
    '| worker processes | concurrency | orders/s |',
    '| ---: | ---: | ---: |',
    ...a.scaling.map((s) => `| ${s.processes} | ${s.concurrency} | ${s.orders_per_second} |`),
    '',
  ].join('\n');
}

try {
  await main();
} finally {
  await cleanup();
}
