import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { openOrm, type Orm } from '../db/orm.js';
import { connectRedisOnce } from '../dependencies.js';
import { reasonOf } from '../error-text.js';
import { countPendingOrders, findOrder, listOrders } from '../stores/order-store.js';
import { type PlayerOrderView } from '../domain/order.js';
import { orderId as orderIdSchema } from '../domain/schema-types.js';
import { createLogger, type Logger } from '../logger.js';
import { loadConfigOrExit } from '../config.js';
import { countJobs, createOrderQueue, liveJobOfPlayer, type OrderJob } from '../queue/order-queue.js';
import { retryErroredOrder, retryErroredOrders, type EnqueueFailed } from '../queue/retry-orders.js';

/**
 * `npm run ops -- <command>`: what ops need to see and put right without touching the database by
 * hand. It calls the same domain functions and queue helpers as the admin API (no HTTP), against
 * the PostgreSQL and Redis the environment names (the same variables as the service).
 *
 * Exit codes: 0 done, 1 failed or not found (or not retryable), 2 usage error.
 */

const USAGE = `usage: npm run ops -- <command>

  orders:show <order_id>             an order: status, error, entries, and a live job naming its player
  orders:retry <order_id>            re-queue one errored order
  orders:retry-errored [--dry-run]   re-queue every errored order (--dry-run: list them, change nothing)
  queue:stats                        jobs in the queue by state, and orders waiting in PostgreSQL
`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** How many orders one bulk-retry transaction flips; a progress line follows each batch. */
const RETRY_BATCH = 500;
/** Errored orders a dry run lists by name (newest first); the rest are counted. */
const DRY_RUN_LISTED = 20;

const say = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

type Command =
  | { name: 'orders:show' | 'orders:retry'; orderId: string }
  | { name: 'orders:retry-errored'; dryRun: boolean }
  | { name: 'queue:stats' };

class UsageError extends Error {}

function parseCommand(args: string[]): Command {
  const [name, ...rest] = args;
  const flags = rest.filter((arg) => arg.startsWith('--'));
  const positional = rest.filter((arg) => !arg.startsWith('--'));
  const expect = (allowedFlags: string[], positionals: number) => {
    const unknown = flags.find((flag) => !allowedFlags.includes(flag));
    if (unknown) throw new UsageError(`${name}: unknown option ${unknown}`);
    if (positional.length !== positionals) {
      throw new UsageError(`${name}: expected ${positionals} argument(s), got ${positional.length}`);
    }
  };
  switch (name) {
    case 'orders:show':
    case 'orders:retry': {
      expect([], 1);
      const orderId = orderIdSchema.safeParse(positional[0]);
      if (!orderId.success) throw new UsageError(`${name}: not an order id: ${positional[0]}`);
      return { name, orderId: orderId.data };
    }
    case 'orders:retry-errored':
      expect(['--dry-run'], 0);
      return { name, dryRun: flags.includes('--dry-run') };
    case 'queue:stats':
      expect([], 0);
      return { name };
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command: ${name}`);
  }
}

/** What the command needs open; each is opened only when used, and everything is closed at the end. */
class Connections {
  private orm?: Orm;
  private redis?: Redis;
  private queue?: Queue<OrderJob>;

  constructor(
    private readonly config: Config,
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
  async orderQueue(): Promise<Queue<OrderJob>> {
    if (this.queue) return this.queue;
    this.redis = await connectRedisOnce(this.config.REDIS_URL);
    this.queue = createOrderQueue(this.config, this.redis, this.logger);
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue?.close();
    this.redis?.disconnect();
    await this.orm?.close();
  }
}

const orEmpty = (value: string | null | undefined) => value ?? '—';

function printOrder(order: PlayerOrderView, jobState: string): void {
  const rows: [string, string][] = [
    ['order', order.order_id],
    ['player', order.player_uuid],
    ['status', order.status],
    ['applied seq', order.applied_seq === null ? '—' : String(order.applied_seq)],
    ...(order.error === undefined ? [] : [['error', order.error] as [string, string]]),
    ['source', orEmpty(order.source)],
    ['client ref', orEmpty(order.client_order_ref_id)],
    ['transaction', order.is_transaction ? 'yes' : 'no'],
    ['created', order.created_time],
    ['completed', orEmpty(order.completed_time)],
    ['queue job', jobState],
  ];
  for (const [label, value] of rows) say(`${label.padEnd(12)} ${value}`);
  say(`entries (${order.entries.length})`);
  order.entries.forEach((entry, index) => {
    const target = entry.loot_id !== undefined && entry.loot_id !== null ? ` loot ${entry.loot_id}` : '';
    const quantity = entry.quantity !== undefined && entry.quantity !== null ? ` ×${entry.quantity}` : '';
    say(`  ${String(index + 1).padStart(3)}. ${entry.type}${target}${quantity}  → ${entry.result}`);
  });
}

async function showOrder(connections: Connections, orderId: string): Promise<number> {
  const order = await findOrder((await connections.database()).em.fork(), orderId);
  if (!order) {
    warn(`no order ${orderId}`);
    return EXIT_FAILED;
  }
  // PostgreSQL decides the order's status; the player's live job is shown only as a clue, and the
  // order is still shown when Redis cannot be reached.
  let jobState: string;
  try {
    const job = await liveJobOfPlayer(await connections.orderQueue(), order.player_uuid);
    jobState = job === null ? 'none live for its player' : `${job.state} (${job.jobId})`;
  } catch (error) {
    jobState = `(queue unreachable: ${String(error)})`;
  }
  printOrder(order, jobState);
  return EXIT_OK;
}

const enqueueFailed: EnqueueFailed = (orderIds, error) =>
  warn(
    `warning: ${orderIds.length === 1 ? orderIds[0] : `${orderIds.length} orders`} queued again but no job could be added (${String(error)}); the sweeper will deliver them`,
  );

async function retryOne(connections: Connections, orderId: string): Promise<number> {
  const orm = await connections.database();
  const queue = await connections.orderQueue();
  const outcome = await retryErroredOrder(orm, queue, orderId, enqueueFailed);
  switch (outcome.kind) {
    case 'not_found':
      warn(`no order ${orderId}`);
      return EXIT_FAILED;
    case 'not_errored':
      warn(`order ${orderId} is ${outcome.order.status}; only an errored order can be retried`);
      return EXIT_FAILED;
    case 'requeued':
      say(`order ${orderId} is queued again (player ${outcome.order.player_uuid})`);
      return EXIT_OK;
  }
}

async function retryAllErrored(connections: Connections, dryRun: boolean): Promise<number> {
  const orm = await connections.database();
  const { errored } = await countPendingOrders(orm.em.fork());
  if (errored === 0) {
    say('no errored orders');
    return EXIT_OK;
  }
  if (dryRun) {
    const { orders } = await listOrders(orm.em.fork(), { status: 'errored', limit: DRY_RUN_LISTED });
    say(`${errored} errored order(s) would be queued again (dry run: nothing changed)`);
    for (const order of orders) {
      say(
        `  ${order.order_id}  player ${order.player_uuid}  errored ${orEmpty(order.completed_time)}  ${orEmpty(order.error)}`,
      );
    }
    if (errored > orders.length) say(`  … and ${errored - orders.length} more`);
    return EXIT_OK;
  }
  const queue = await connections.orderQueue();
  const showProgress = errored > RETRY_BATCH;
  const { retried, enqueueFailed: notEnqueued } = await retryErroredOrders(orm, queue, {
    batchSize: RETRY_BATCH,
    onEnqueueFailed: enqueueFailed,
    // Progress goes to stderr, so stdout stays the one summary line a script can read.
    onProgress: showProgress
      ? ({ retried: done }) => warn(`queued again ${done} of about ${errored}`)
      : undefined,
  });
  say(`${retried} errored order(s) queued again`);
  if (notEnqueued > 0)
    warn(`warning: ${notEnqueued} of them await the sweeper (their jobs could not be added)`);
  return EXIT_OK;
}

async function queueStats(connections: Connections): Promise<number> {
  const counts = await countJobs(await connections.orderQueue());
  const pending = await countPendingOrders((await connections.database()).em.fork());
  say('jobs in the queue');
  for (const [state, count] of Object.entries(counts)) say(`  ${state.padEnd(17)} ${count}`);
  say('orders in PostgreSQL');
  say(`  ${'queued'.padEnd(17)} ${pending.queued}`);
  say(`  ${'errored'.padEnd(17)} ${pending.errored}`);
  return EXIT_OK;
}

async function run(command: Command, connections: Connections): Promise<number> {
  switch (command.name) {
    case 'orders:show':
      return showOrder(connections, command.orderId);
    case 'orders:retry':
      return retryOne(connections, command.orderId);
    case 'orders:retry-errored':
      return retryAllErrored(connections, command.dryRun);
    case 'queue:stats':
      return queueStats(connections);
  }
}

async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === 'help')) {
    say(USAGE);
    return EXIT_OK;
  }
  let command: Command;
  try {
    command = parseCommand(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    warn(`ops: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const config = loadConfigOrExit();
  const connections = new Connections(config, createLogger(config.LOG_LEVEL, 'armory-ops', 2));
  try {
    return await run(command, connections);
  } catch (error) {
    warn(`ops: ${command.name} failed: ${reasonOf(error)}`);
    return EXIT_FAILED;
  } finally {
    await connections.close().catch(() => undefined);
  }
}

// Everything is closed by now; exit without waiting on timers a client library may leave behind
// (ioredis keeps its connect timeout after a refused connection).
process.exit(await main(process.argv.slice(2)));
