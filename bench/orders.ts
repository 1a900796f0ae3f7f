import type pg from 'pg';
import { round } from './load.js';

/**
 * Where a pipeline keeps its orders, and which of them are final. Every phase tags its orders with
 * an `order_id` prefix, so one table serves every phase and each reads only its own orders.
 */
export interface OrderTable {
  table: 'player_order' | 'bench_raw_order';
  /**
   * SQL condition on a row: the order is still waiting. Polled every 250 ms while a pass runs, so it
   * must be cheap: counting the finished orders instead read every row of every earlier pass (30 ms
   * a poll on Armory's table late in a run), load that the bench, not the pipeline, put on the database.
   */
  pending: string;
}

/** `status = 'queued'` reads the partial index of queued orders. */
export const ARMORY_ORDERS: OrderTable = { table: 'player_order', pending: `status = 'queued'` };

/** The baselines' table: (b) inserts into it, (d) marks its rows done. */
export const NAIVE_ORDERS: OrderTable = { table: 'bench_raw_order', pending: `status = 'queued'` };

/** SQL for the baselines' table, created next to Armory's schema at setup. */
export const NAIVE_ORDERS_SQL = [
  `create table bench_raw_order (id bigserial primary key, order_id text, body jsonb not null, player_uuid uuid,
     status text not null default 'queued', created_time timestamptz not null default clock_timestamp(),
     completed_time timestamptz)`,
  'create table bench_raw_result (order_id bigint not null, result text not null)',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the `expected` orders tagged `tag`, all stored already, are final, then returns how
 * fast they became final: their count over the span of their `completed_time`s, by the database's
 * clock.
 */
export async function drainOrders(
  db: pg.Pool,
  orders: OrderTable,
  tag: string,
  expected: number,
  timeoutMs = 600_000,
): Promise<{ orders: number; perSecond: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ pending: number }>(
      `select count(*)::int as pending from ${orders.table} where ${orders.pending} and order_id like $1`,
      [`${tag}%`],
    );
    const done = expected - rows[0]!.pending;
    process.stderr.write(`\r  processing ${tag}: ${done}/${expected}`);
    if (done >= expected) break;
    if (Date.now() > deadline) throw new Error(`orders ${tag} did not finish within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
  process.stderr.write('\n');
  const { rows } = await db.query<{ n: number; seconds: number }>(
    `select count(*)::int as n, extract(epoch from max(completed_time) - min(completed_time))::float as seconds
       from ${orders.table} where order_id like $1`,
    [`${tag}%`],
  );
  const { n, seconds } = rows[0]!;
  return { orders: n, perSecond: round(n / Math.max(seconds, 0.001)) };
}

export interface AcceptToFinal {
  orders: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Percentiles of `completed_time − created_time` (both by the database's clock) of the tagged orders. */
export async function acceptToFinalLatency(
  db: pg.Pool,
  orders: OrderTable,
  tag: string,
): Promise<AcceptToFinal> {
  const { rows } = await db.query<{ p50: number | null; p95: number | null; p99: number | null; n: number }>(
    `select count(*)::int as n,
            percentile_cont(0.50) within group (order by ms) as p50,
            percentile_cont(0.95) within group (order by ms) as p95,
            percentile_cont(0.99) within group (order by ms) as p99
       from (select extract(epoch from completed_time - created_time) * 1000 as ms
               from ${orders.table} where order_id like $1) t`,
    [`${tag}%`],
  );
  const row = rows[0]!;
  // No orders, no percentiles: NaN (null in JSON) meets no goal, where 0 would meet every one.
  const ms = (value: number | null) => (value === null ? NaN : round(value));
  return { orders: row.n, p50: ms(row.p50), p95: ms(row.p95), p99: ms(row.p99) };
}
