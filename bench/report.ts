/**
 * The shape of a run's results (bench/results/latest.json), the ratios and goals read from them,
 * and the Markdown table printed at the end. Goals are printed beside each figure, never asserted.
 */
import { round } from './load.js';
import type { AcceptToFinal } from './orders.js';

/** The latency goal of the capacity search and of the half-capacity phase. */
export const P99_GOAL_MS = 50;
/** The share of the orders that go to the one hot player in the hot-player pass. */
export const HOT_PLAYER_SHARE = 0.2;

type Percentiles = { p50: number; p95: number; p99: number };

export interface AcceptFigures {
  per_second: number;
  accepted: number;
  errors: number;
  latency_ms: Percentiles;
}

export interface ProcessingFigures {
  orders_per_second: number;
  orders: number;
}

/** One rate of the capacity search (or the half-capacity phase): open-loop load, then all final. */
export interface CapacityStep {
  rate: number;
  passed: boolean;
  /** 2xx answers per second that came back before the load's time was up. */
  answered_per_second: number;
  errors: number;
  http_p99_ms: number;
  accept_to_final_ms: AcceptToFinal;
  /** CPU time per accepted order, in ms, of each part of the pipeline and of the services it uses. */
  cpu_ms_per_order: CpuPerOrder;
}

export interface CpuPerOrder {
  accept: number;
  workers: number;
  postgres: number;
  redis: number;
}

export interface CapacityFigures {
  /** The highest rate whose p99 accept → final stayed within P99_GOAL_MS and whose answers kept pace. */
  orders_per_second: number;
  processes: string;
  start_rate: number;
  steps: CapacityStep[];
  half_load: CapacityStep;
  peak_rss_mb: { accept: number; worker: number };
}

export interface ScalingRow {
  processes: number;
  concurrency: number;
  orders_per_second: number;
}

/** `--redis-cluster`: the same scaling passes on a loopback Redis Cluster, beside one Redis. */
export interface ClusterScaling {
  masters: number;
  replicas: number;
  queue_shards: number;
  rows: { processes: number; single_redis_orders_per_second: number; cluster_orders_per_second: number }[];
}

export interface Hardware {
  cpu: string;
  cores: number;
  memory_gb: number;
  node: string;
  postgres: string;
  redis: string;
}

/** A synchronous write's figures: answers per second and HTTP latency (the write is final when answered). */
export type SyncWriteLoad = AcceptFigures & { not_final: number };

export interface SyncWriteFigures {
  /** The open-loop rate: half the Armory capacity. */
  rate_per_second: number;
  /** Requests in flight in the closed loop. */
  clients: number;
  native: { closed: SyncWriteLoad; at_half: SyncWriteLoad };
  playfab: { closed: SyncWriteLoad; at_half: SyncWriteLoad };
  lootlocker: { closed: SyncWriteLoad; at_half: SyncWriteLoad };
}

export interface ArmoryFigures {
  accept: AcceptFigures;
  processing: ProcessingFigures;
  processing_zipf: ProcessingFigures;
  processing_hot_player: ProcessingFigures & { hot_share: number };
  /**
   * With one subscriber to order.finished: a backlog applied by workers that record the events and
   * deliver none, the events then delivered per second by one worker process, and a backlog
   * applied by workers that deliver too; beside the same size of backlog applied without events.
   * Passes with and without alternate, `rounds` of each and one more without; each figure is the
   * mean of its passes.
   */
  processing_events_out: ProcessingFigures & {
    events_per_second: number;
    /** Passes with events recorded; the passes without number one more. */
    rounds: number;
    delivering_orders_per_second: number;
    without_events_orders_per_second: number;
    /** CPU ms per order of the workers, PostgreSQL and Redis together, with events recorded and without. */
    cpu_ms_per_order: number;
    without_events_cpu_ms_per_order: number;
  };
  /** At half the Armory capacity: the half-load step's percentiles, kept under this older key. */
  accept_to_final_ms: { rate_per_second: number } & AcceptToFinal;
  scaling: ScalingRow[];
  redis_cluster?: ClusterScaling;
  capacity: CapacityFigures;
  sync_writes: SyncWriteFigures;
  /** The largest of every API process and of every worker process the run started. */
  peak_rss_mb: { api: number; worker: number };
}

export interface BaselineFigures {
  bare_express: AcceptFigures & { peak_rss_mb: number };
  minimal_accept: AcceptFigures & { peak_rss_mb: number };
  empty_worker: { jobs_per_second: number; peak_rss_mb: number };
  raw_worker: { orders_per_second: number; peak_rss_mb: number };
  /** (b) and (d) together: what (b) accepts, (d) applies. */
  naive_pipeline: CapacityFigures;
}

export interface Goal {
  what: string;
  value: number;
  /** `≥ 1.0`, `≤ 50`, or null for a figure shown without a goal. */
  goal: string | null;
  met: boolean | null;
}

export interface Results {
  run: string;
  when: string;
  seconds: number;
  options: Record<string, unknown>;
  hardware: Hardware;
  armory: ArmoryFigures;
  baselines: BaselineFigures;
  ratios: ReturnType<typeof ratiosOf>;
  goals: Goal[];
  p99_accept_to_final_ms: number;
  /** Armory's end-to-end capacity over the naive pipeline's: the issue's headline figure. */
  capacity_vs_naive: number;
}

const ratio = (value: number, base: number) => round(value / Math.max(base, 0.001), 2);

export function ratiosOf(a: ArmoryFigures, b: BaselineFigures) {
  return {
    accept_vs_minimal: ratio(a.accept.per_second, b.minimal_accept.per_second),
    processed_vs_raw_worker: ratio(a.processing.orders_per_second, b.raw_worker.orders_per_second),
    capacity_vs_naive: ratio(a.capacity.orders_per_second, b.naive_pipeline.orders_per_second),
    zipf_vs_uniform: ratio(a.processing_zipf.orders_per_second, a.processing.orders_per_second),
    hot_player_vs_uniform: ratio(a.processing_hot_player.orders_per_second, a.processing.orders_per_second),
    events_out_vs_without: ratio(
      a.processing_events_out.orders_per_second,
      a.processing_events_out.without_events_orders_per_second,
    ),
    /** CPU per order (workers, PostgreSQL, Redis) with events recorded over without: their cost in work. */
    events_out_cpu_vs_without: ratio(
      a.processing_events_out.cpu_ms_per_order,
      a.processing_events_out.without_events_cpu_ms_per_order,
    ),
    events_delivered_vs_without: ratio(
      a.processing_events_out.delivering_orders_per_second,
      a.processing_events_out.without_events_orders_per_second,
    ),
  };
}

const atLeast = (what: string, value: number, target: number): Goal => ({
  what,
  value,
  goal: `≥ ${target.toFixed(1)}`,
  met: value >= target,
});
const atMost = (what: string, value: number, target: number): Goal => ({
  what,
  value,
  goal: `≤ ${target}`,
  met: value <= target,
});

/** Every ratio and bounded figure beside its goal, in the order bench/README.md explains them. */
export function goalsOf(a: ArmoryFigures, ratios: Results['ratios']): Goal[] {
  return [
    atLeast('Armory accept / (b) minimal accept', ratios.accept_vs_minimal, 1.0),
    atLeast('Armory processing / (d) raw worker', ratios.processed_vs_raw_worker, 1.5),
    atLeast('(e) Armory capacity / naive pipeline capacity', ratios.capacity_vs_naive, 1.0),
    atMost(
      `p99 accept → final at half the Armory capacity (${a.accept_to_final_ms.rate_per_second}/s), ms`,
      a.accept_to_final_ms.p99,
      P99_GOAL_MS,
    ),
    atMost(
      `p99 of a synchronous PlayFab write at half the Armory capacity (${a.sync_writes.rate_per_second}/s), ms`,
      a.sync_writes.playfab.at_half.latency_ms.p99,
      P99_GOAL_MS,
    ),
    atLeast('Zipf-skewed / uniform processing', ratios.zipf_vs_uniform, 0.8),
    { what: 'hot player / uniform processing', value: ratios.hot_player_vs_uniform, goal: null, met: null },
    atLeast('processing with events recorded / without', ratios.events_out_vs_without, 0.9),
    {
      what: 'CPU per order (workers + PostgreSQL + Redis) with events recorded / without',
      value: ratios.events_out_cpu_vs_without,
      goal: null,
      met: null,
    },
    {
      what: 'processing with events recorded and delivered by the same workers / without',
      value: ratios.events_delivered_vs_without,
      goal: null,
      met: null,
    },
    atMost('peak RSS of an Armory API process, MB', a.peak_rss_mb.api, 200),
    atMost('peak RSS of an Armory worker process, MB', a.peak_rss_mb.worker, 200),
  ];
}

const percentiles = (l: Percentiles) => `${l.p50} / ${l.p95} / ${l.p99}`;
const metText = (met: boolean | null) => (met === null ? '' : met ? 'yes' : '**no**');

/** The step at the capacity: the latency the capacity row shows. */
const atCapacity = (c: CapacityFigures) =>
  c.steps.find((step) => step.passed && step.rate === c.orders_per_second);

function capacityRow(label: string, c: CapacityFigures): string {
  const step = atCapacity(c);
  const latency = step ? percentiles(step.accept_to_final_ms) : 'no rate passed';
  return `| ${label} | ${c.orders_per_second} | ${latency} | ${c.peak_rss_mb.accept} / ${c.peak_rss_mb.worker} |`;
}

function halfLoadRow(label: string, c: CapacityFigures): string {
  return `| ${label} accept → final at ${c.half_load.rate}/s (half its capacity) | | ${percentiles(c.half_load.accept_to_final_ms)} | |`;
}

function syncRow(label: string, s: SyncWriteFigures['native']): string {
  const errors = s.closed.errors + s.at_half.errors;
  return (
    `| ${label}${errors > 0 ? ` (${errors} errors)` : ''} | ${s.closed.per_second} | ${percentiles(s.closed.latency_ms)} | ` +
    `${percentiles(s.at_half.latency_ms)} | ${s.closed.not_final + s.at_half.not_final} |`
  );
}

function stepRows(pipeline: string, c: CapacityFigures): string[] {
  return c.steps.map(
    (s) =>
      `| ${pipeline} | ${s.rate} | ${s.answered_per_second} | ${s.errors} | ${s.http_p99_ms} | ` +
      `${s.accept_to_final_ms.orders} | ${s.accept_to_final_ms.p50} / ${s.accept_to_final_ms.p99} | ${s.passed ? 'yes' : 'no'} | ` +
      `${s.cpu_ms_per_order.accept} / ${s.cpu_ms_per_order.workers} / ${s.cpu_ms_per_order.postgres} / ${s.cpu_ms_per_order.redis} |`,
  );
}

function clusterRows(c: ClusterScaling): string[] {
  return [
    `| worker processes | one Redis, orders/s | Redis Cluster (${c.masters} masters, ${c.replicas} replicas, ${c.queue_shards} shards), orders/s | cluster / one Redis |`,
    '| ---: | ---: | ---: | ---: |',
    ...c.rows.map(
      (row) =>
        `| ${row.processes} | ${row.single_redis_orders_per_second} | ${row.cluster_orders_per_second} | ` +
        `${row.single_redis_orders_per_second > 0 ? (row.cluster_orders_per_second / row.single_redis_orders_per_second).toFixed(2) : '—'} |`,
    ),
    '',
  ];
}

export function renderMarkdown(r: Results): string {
  const a = r.armory;
  const b = r.baselines;
  const hotShare = `${Math.round(a.processing_hot_player.hot_share * 100)} %`;
  return [
    `Hardware: ${r.hardware.cores} × ${r.hardware.cpu}, ${r.hardware.memory_gb} GB; Node ${r.hardware.node},`,
    `PostgreSQL ${r.hardware.postgres}, Redis ${r.hardware.redis}. Options: ${JSON.stringify(r.options)}`,
    '',
    '| what | per second | latency p50 / p95 / p99 (ms) | peak RSS (MB) |',
    '| --- | ---: | --- | ---: |',
    `| (a) bare Express, parse + 202 | ${b.bare_express.per_second} | ${percentiles(b.bare_express.latency_ms)} | ${b.bare_express.peak_rss_mb} |`,
    `| (b) minimal accept: INSERT + queue.add | ${b.minimal_accept.per_second} | ${percentiles(b.minimal_accept.latency_ms)} | ${b.minimal_accept.peak_rss_mb} |`,
    `| **Armory accept** (202s) | **${a.accept.per_second}** | ${percentiles(a.accept.latency_ms)} | ${a.peak_rss_mb.api} |`,
    `| (c) BullMQ empty processor (jobs) | ${b.empty_worker.jobs_per_second} | | ${b.empty_worker.peak_rss_mb} |`,
    `| (d) raw worker: one SQL transaction per order | ${b.raw_worker.orders_per_second} | | ${b.raw_worker.peak_rss_mb} |`,
    `| **Armory processing** (orders final) | **${a.processing.orders_per_second}** | | ${a.peak_rss_mb.worker} |`,
    `| Armory processing, Zipf-skewed players | ${a.processing_zipf.orders_per_second} | | |`,
    `| Armory processing, one hot player (${hotShare} of orders) | ${a.processing_hot_player.orders_per_second} | | |`,
    `| Armory processing, same backlog without events / with events recorded / recorded and delivered by the same workers | ${a.processing_events_out.without_events_orders_per_second} / ${a.processing_events_out.orders_per_second} / ${a.processing_events_out.delivering_orders_per_second} | | |`,
    `| Armory processing, CPU ms per order (workers + PostgreSQL + Redis) without events / with events recorded | ${a.processing_events_out.without_events_cpu_ms_per_order} / ${a.processing_events_out.cpu_ms_per_order} | | |`,
    `| events out: events delivered by one worker process (subscriber on loopback) | ${a.processing_events_out.events_per_second} | | |`,
    capacityRow(`(e) naive pipeline (b) + (d): capacity at p99 ≤ ${P99_GOAL_MS} ms`, b.naive_pipeline),
    capacityRow(`**(e) Armory end-to-end capacity** at p99 ≤ ${P99_GOAL_MS} ms`, a.capacity),
    halfLoadRow('Armory', a.capacity),
    halfLoadRow('Naive pipeline', b.naive_pipeline),
    '',
    `(e) latency is accept → final by the database's clock, at the highest rate that passed; its RSS is accept / worker process. Armory: ${a.capacity.processes}; naive: ${b.naive_pipeline.processes}.`,
    '',
    `| synchronous writes (answered once final) | per second, ${a.sync_writes.clients} clients | p50 / p95 / p99 (ms) | at ${a.sync_writes.rate_per_second}/s: p50 / p95 / p99 (ms) | not final in time (202) |`,
    '| --- | ---: | --- | --- | ---: |',
    syncRow('native `POST /v1/orders`, `Prefer: wait=10`', a.sync_writes.native),
    syncRow('LootLocker `/lootlocker` (credit, debit, alter)', a.sync_writes.lootlocker),
    syncRow(
      'PlayFab `/playfab` (Add, Subtract, Purchase, ExecuteInventoryOperations)',
      a.sync_writes.playfab,
    ),
    '',
    '| goal (printed, not asserted) | value | goal | met |',
    '| --- | ---: | --- | --- |',
    ...r.goals.map((g) => `| ${g.what} | ${g.value} | ${g.goal ?? 'shown, no goal'} | ${metText(g.met)} |`),
    '',
    '| worker processes | concurrency | orders/s |',
    '| ---: | ---: | ---: |',
    ...a.scaling.map((s) => `| ${s.processes} | ${s.concurrency} | ${s.orders_per_second} |`),
    '',
    ...(a.redis_cluster ? clusterRows(a.redis_cluster) : []),
    '| (e) search | rate (orders/s) | 2xx/s in time | errors | HTTP p99 (ms) | orders | accept → final p50 / p99 (ms) | passed | CPU ms per order: accept / workers / PostgreSQL / Redis |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
    ...stepRows('naive', b.naive_pipeline),
    ...stepRows('Armory', a.capacity),
    '',
  ].join('\n');
}
