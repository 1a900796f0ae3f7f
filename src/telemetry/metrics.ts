import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isKnownEntryType } from '../domain/order.js';
import { withTimeout } from './timeout.js';

/** What the queue-depth gauge reads on each scrape: job counts by state. */
export type JobCounts = () => Promise<Record<string, number>>;

const QUEUE_COUNT_TIMEOUT_MS = 1000;

/**
 * Every metric of one process, on a registry of its own rather than prom-client's global one: tests
 * and several app instances in one process then never collide, and `npm start` hands the same
 * instance to its API and its worker so one scrape shows both.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly ordersAccepted = new Counter({
    name: 'armory_orders_accepted_total',
    help: 'Orders stored by the API (new orders only; idempotent replays are not counted).',
    registers: [this.registry],
  });

  readonly ordersFinished = new Counter({
    name: 'armory_orders_finished_total',
    help: 'Orders that reached a final status, or errored after their last attempt.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly entryResults = new Counter({
    name: 'armory_entry_results_total',
    help: 'Entry results by entry type and result code (unknown entry types are counted as "unknown").',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });

  readonly processingDuration = new Histogram({
    name: 'armory_order_batch_duration_seconds',
    help: 'Time to apply one group of queued orders, of one or more players (one transaction, up to ORDER_BATCH_SIZE orders).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly acceptToFinal = new Histogram({
    name: 'armory_order_accept_to_final_seconds',
    help: "An order's completed_time minus its created_time, by the database's clock.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'armory_http_request_duration_seconds',
    help: 'HTTP requests by method, matched route pattern (never the raw URL) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    // Up to 30 s: `Prefer: wait` may hold an answer that long.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly sweeps = new Counter({
    name: 'armory_sweeper_runs_total',
    help: 'Sweeper rounds, by outcome (ok, or failed: PostgreSQL or Redis answered with an error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly sweptJobs = new Counter({
    name: 'armory_sweeper_jobs_added_total',
    help: 'Jobs the sweeper added for work stored without one: players with queued orders, or event streams.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  private jobCounts: JobCounts | null = null;

  constructor() {
    const jobCounts = () => this.jobCounts;
    new Gauge({
      name: 'armory_queue_jobs',
      help: 'Jobs in the order queue by state, read from BullMQ when scraped.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const count = jobCounts();
        this.reset();
        if (!count) return;
        // Redis away: report no samples rather than stale ones, and never hang the scrape.
        const counts = await withTimeout(count(), QUEUE_COUNT_TIMEOUT_MS).catch(() => null);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    });
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which Prometheus's own lint refuses; each is the sum over the
    // `type` label of the metric of the same name without `_total`, which stays.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
  }

  /** The queue whose depth is reported; the first role to offer one keeps it (they share the queue). */
  watchQueue(jobCounts: JobCounts): void {
    this.jobCounts ??= jobCounts;
  }

  orderFinished(status: string, acceptToFinalMs?: number): void {
    this.ordersFinished.inc({ status });
    if (acceptToFinalMs !== undefined) this.acceptToFinal.observe(Math.max(0, acceptToFinalMs) / 1000);
  }

  entryResult(type: string, result: string): void {
    // Entry types come from callers: an unknown one must not become a label value of its own.
    this.entryResults.inc({ type: isKnownEntryType(type) ? type : 'unknown', result });
  }

  /** The Prometheus text exposition of everything above. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
