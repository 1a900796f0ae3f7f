import { readFile, writeFile } from 'node:fs/promises';
import { signPlayerToken } from '../api/auth.js';
import { EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import type { Config } from '../config.js';
import { openOrm, type Orm } from '../db/orm.js';
import { connectRedisOnce, type RedisConnection } from '../redis.js';
import { catalogDocument, catalogUpdateSchema, type CatalogDocument } from '../domain/catalog.js';
import type { HistoryChangeView } from '../domain/history.js';
import type { PlayerOrderView } from '../domain/order.js';
import type { OrderStatus } from '../domain/vocabulary.js';
import type { Logger } from '../logger.js';
import { countJobs, createOrderQueues, liveJobOfPlayer, type OrderQueues } from '../queue/order-queue.js';
import { retryErroredOrder, retryErroredOrders, type EnqueueFailed } from '../queue/retry-orders.js';
import { loadCatalog, updateCatalog } from '../stores/catalog-store.js';
import { readHistory } from '../stores/history-store.js';
import { countPendingOrders, findOrder, listOrders } from '../stores/order-store.js';

/**
 * What each ops command does (src/cli/ops.ts parses the command line and prints). Every command
 * answers with both forms of its result: `json` for `--json` and scripts, `text` for people.
 * Warnings and progress go to stderr as they happen.
 */

export interface Answer {
  code: number;
  json: unknown;
  text: string[];
}

const done = (json: unknown, text: string[]): Answer => ({ code: EXIT_OK, json, text });
const failed = (message: string): Answer => ({
  code: EXIT_FAILED,
  json: { error: message },
  text: [message],
});

/** How many orders one bulk-retry transaction flips; a progress line follows each batch. */
const RETRY_BATCH = 500;
/** Errored orders a dry run lists by name (newest first); the rest are counted. */
const DRY_RUN_LISTED = 20;

const warn = (line: string) => process.stderr.write(`${line}\n`);

/** What a command needs open; each is opened only when used, and everything is closed at the end. */
export class Connections {
  private orm?: Orm;
  private redis?: RedisConnection;
  private queue?: OrderQueues;

  constructor(
    readonly config: Config,
    /** JSON lines on stderr, for what the queue reports on its own (stdout is the command's answer). */
    private readonly logger: Logger,
  ) {}

  async database(): Promise<Orm> {
    // An ops command must not create a database that is not there, nor migrate one.
    this.orm ??= await openOrm(this.config.DATABASE_URL, {
      poolSize: 2,
      lockTimeoutMs: this.config.DB_LOCK_TIMEOUT_MS,
      createDatabase: false,
    });
    return this.orm;
  }

  /** The order queue, on a connection that fails at once (no reconnect loop) if Redis is away. */
  async orderQueue(): Promise<OrderQueues> {
    if (this.queue) return this.queue;
    this.redis = await connectRedisOnce(this.config.REDIS_URL);
    this.queue = createOrderQueues(this.config, this.redis, this.logger);
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue?.close();
    this.redis?.disconnect();
    await this.orm?.close();
  }
}

const orEmpty = (value: string | number | null | undefined) =>
  value === null || value === undefined ? '—' : String(value);

function orderLines(order: PlayerOrderView, jobState: string): string[] {
  const rows: [string, string][] = [
    ['order', order.order_id],
    ['player', order.player_uuid],
    ['status', order.status],
    ['applied seq', orEmpty(order.applied_seq)],
    ...(order.error === undefined ? [] : [['error', order.error] as [string, string]]),
    ['source', orEmpty(order.source)],
    ['client ref', orEmpty(order.client_order_ref_id)],
    ['transaction', order.is_transaction ? 'yes' : 'no'],
    ['created', order.created_time],
    ['completed', orEmpty(order.completed_time)],
    ['queue job', jobState],
  ];
  return [
    ...rows.map(([label, value]) => `${label.padEnd(12)} ${value}`),
    `entries (${order.entries.length})`,
    ...order.entries.map((entry, index) => {
      const target = entry.loot_id !== undefined && entry.loot_id !== null ? ` loot ${entry.loot_id}` : '';
      const quantity = entry.quantity !== undefined && entry.quantity !== null ? ` ×${entry.quantity}` : '';
      return `  ${String(index + 1).padStart(3)}. ${entry.type}${target}${quantity}  → ${entry.result}`;
    }),
  ];
}

export async function showOrder(connections: Connections, orderId: string): Promise<Answer> {
  const order = await findOrder((await connections.database()).em.fork(), orderId);
  if (!order) return failed(`no order ${orderId}`);
  // PostgreSQL decides the order's status; the player's live job is shown only as a clue, and the
  // order is still shown when Redis cannot be reached.
  let job: { jobId: string; state: string } | null = null;
  let jobState: string;
  try {
    job = await liveJobOfPlayer(await connections.orderQueue(), order.player_uuid);
    jobState = job === null ? 'none live for its player' : `${job.state} (${job.jobId})`;
  } catch (error) {
    jobState = `(queue unreachable: ${String(error)})`;
  }
  return done({ order, live_job: job }, orderLines(order, jobState));
}

const orderLine = (order: PlayerOrderView) =>
  `${order.order_id}  ${order.status.padEnd(9)}  player ${order.player_uuid}  created ${order.created_time}` +
  (order.error === undefined ? '' : `  ${order.error}`);

export async function listOrdersPage(
  connections: Connections,
  query: { status?: OrderStatus; playerUuid?: string; limit: number; cursor?: string },
): Promise<Answer> {
  const page = await listOrders((await connections.database()).em.fork(), query);
  return done(page, [
    ...page.orders.map(orderLine),
    page.orders.length === 0 ? 'no orders' : `${page.orders.length} order(s)`,
    ...(page.next_cursor === null ? [] : [`next page: --cursor ${page.next_cursor}`]),
  ]);
}

const enqueueFailed: EnqueueFailed = (orderIds, error) =>
  warn(
    `warning: ${orderIds.length === 1 ? orderIds[0] : `${orderIds.length} orders`} queued again but no job could be added (${String(error)}); the sweeper will deliver them`,
  );

export async function retryOne(connections: Connections, orderId: string): Promise<Answer> {
  const orm = await connections.database();
  const queue = await connections.orderQueue();
  const outcome = await retryErroredOrder(orm, queue, orderId, enqueueFailed);
  switch (outcome.kind) {
    case 'not_found':
      return failed(`no order ${orderId}`);
    case 'not_errored':
      return failed(`order ${orderId} is ${outcome.order.status}; only an errored order can be retried`);
    case 'requeued':
      return done({ order_id: orderId, status: 'queued', player_uuid: outcome.order.player_uuid }, [
        `order ${orderId} is queued again (player ${outcome.order.player_uuid})`,
      ]);
  }
}

export async function retryAllErrored(connections: Connections, dryRun: boolean): Promise<Answer> {
  const orm = await connections.database();
  const { errored } = await countPendingOrders(orm.em.fork());
  if (errored === 0) return done({ errored: 0, retried: 0 }, ['no errored orders']);
  if (dryRun) {
    const { orders } = await listOrders(orm.em.fork(), { status: 'errored', limit: DRY_RUN_LISTED });
    return done({ errored, retried: 0, newest: orders }, [
      `${errored} errored order(s) would be queued again (dry run: nothing changed)`,
      ...orders.map(
        (order) =>
          `  ${order.order_id}  player ${order.player_uuid}  errored ${orEmpty(order.completed_time)}  ${orEmpty(order.error)}`,
      ),
      ...(errored > orders.length ? [`  … and ${errored - orders.length} more`] : []),
    ]);
  }
  const queue = await connections.orderQueue();
  const { retried, enqueueFailed: notEnqueued } = await retryErroredOrders(orm, queue, {
    batchSize: RETRY_BATCH,
    onEnqueueFailed: enqueueFailed,
    // Progress goes to stderr, so stdout stays the one answer a script can read.
    onProgress:
      errored > RETRY_BATCH
        ? ({ retried: done }) => warn(`queued again ${done} of about ${errored}`)
        : undefined,
  });
  if (notEnqueued > 0)
    warn(`warning: ${notEnqueued} of them await the sweeper (their jobs could not be added)`);
  return done({ errored, retried, awaiting_sweeper: notEnqueued }, [
    `${retried} errored order(s) queued again`,
  ]);
}

export async function queueStats(connections: Connections): Promise<Answer> {
  const jobs = await countJobs(await connections.orderQueue());
  const orders = await countPendingOrders((await connections.database()).em.fork());
  return done({ jobs, orders }, [
    'jobs in the queue',
    ...Object.entries(jobs).map(([state, count]) => `  ${state.padEnd(17)} ${count}`),
    'orders in PostgreSQL',
    `  ${'queued'.padEnd(17)} ${orders.queued}`,
    `  ${'errored'.padEnd(17)} ${orders.errored}`,
  ]);
}

const countOf = (record: HistoryChangeView['before']) => (record === null ? '—' : String(record.count));

const changeLine = (change: HistoryChangeView) =>
  `${String(change.seq).padStart(6)}  ${change.applied_time}  ${change.order_id}  ${change.entry_type}` +
  `  item ${change.item_id}  ${countOf(change.before)} → ${countOf(change.after)}`;

export async function playerHistory(
  connections: Connections,
  query: { playerUuid: string; limit: number; cursor?: string; itemId?: number },
): Promise<Answer> {
  const page = await readHistory((await connections.database()).em.fork(), query);
  return done(page, [
    page.history.length === 0 ? 'no changes' : '   seq  applied  order  entry  item  count before → after',
    ...page.history.map(changeLine),
    ...(page.next_cursor === null ? [] : [`next page: --cursor ${page.next_cursor}`]),
  ]);
}

const catalogCounts = (catalog: CatalogDocument) =>
  `${catalog.items.length} items, ${catalog.vendors.length} vendors, ${catalog.loot.length} loot, ${catalog.promotions.length} promotions`;

/** The stored catalog, in the shape `catalog:import` and `PUT /v1/admin/catalog` take back. */
export async function exportCatalog(connections: Connections, file: string | undefined): Promise<Answer> {
  const catalog = catalogDocument(await loadCatalog((await connections.database()).em.fork()));
  const json = `${JSON.stringify(catalog, null, 2)}\n`;
  // Without a file the catalog itself is the answer, as JSON in both forms.
  if (file === undefined) return done(catalog, [json.trimEnd()]);
  await writeFile(file, json);
  return done({ file }, [`catalog written to ${file}: ${catalogCounts(catalog)}`]);
}

/** Upserts a catalog file (`-`: stdin) by id, as `PUT /v1/admin/catalog` does. */
export async function importCatalog(connections: Connections, file: string): Promise<Answer> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return failed(`${file} is not JSON: ${(error as Error).message}`);
  }
  const update = catalogUpdateSchema.safeParse(document);
  if (!update.success) {
    const problems = update.error.issues.map((issue) => ({ loc: issue.path, msg: issue.message }));
    return { code: EXIT_FAILED, json: { problems }, text: problems.map(problemLine) };
  }
  const outcome = await updateCatalog((await connections.database()).em.fork(), update.data);
  if ('problems' in outcome) {
    return {
      code: EXIT_FAILED,
      json: { problems: outcome.problems },
      text: outcome.problems.map(problemLine),
    };
  }
  return done(outcome.catalog, [`catalog stored: ${catalogCounts(outcome.catalog)}`]);
}

const problemLine = (problem: { loc: readonly PropertyKey[]; msg: string }) =>
  `${problem.loc.map(String).join('.') || '(document)'}: ${problem.msg}`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A player token signed with this environment's PLAYER_JWT_SECRET: no database, no Redis. */
export async function playerToken(config: Config, playerUuid: string, expiresIn: string): Promise<Answer> {
  const token = await signPlayerToken(config.PLAYER_JWT_SECRET, playerUuid, expiresIn);
  return done({ player_uuid: playerUuid, token, expires_in: expiresIn }, [token]);
}
