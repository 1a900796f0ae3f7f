import { Pool } from 'undici';

/** Latency samples in milliseconds, summarized as percentiles. */
export class Latencies {
  private readonly samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): { p50: number; p95: number; p99: number } {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
    return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
  }
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface LoadResult {
  sent: number;
  accepted: number;
  /** 2xx answers that came back before the duration was up: a backlog of late answers shows here. */
  acceptedInTime: number;
  errors: number;
  seconds: number;
  perSecond: number;
  latency: { p50: number; p95: number; p99: number };
  statuses: Record<string, number>;
}

/** One request's path and body (a POST unless `method` says otherwise). */
export interface LoadRequest {
  method?: 'POST' | 'PATCH';
  path: string;
  body: unknown;
}

interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  /** The next request to send. */
  next: () => LoadRequest;
  /**
   * Closed loop: this many requests in flight at all times. Open loop: the most connections; more
   * requests than that in flight wait in the client, so their answers come late.
   */
  concurrency: number;
  durationMs: number;
  /** Open loop instead: this many requests per second, whatever the answers' pace. */
  ratePerSecond?: number;
  onProgress?: (sent: number) => void;
}

/** Sends POSTs for a while and measures how many were accepted (2xx) and how fast. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 });
  const latencies = new Latencies();
  const statuses: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let acceptedInTime = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const sendOne = async () => {
    sent++;
    const { method = 'POST', path, body } = options.next();
    const begin = performance.now();
    try {
      const response = await pool.request({
        method,
        path,
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
      });
      await response.body.dump();
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      if (response.statusCode >= 200 && response.statusCode < 300) {
        accepted++;
        const answered = performance.now();
        if (answered <= deadline) acceptedInTime++;
        latencies.add(answered - begin);
      } else errors++;
    } catch {
      errors++;
    }
  };

  const progress = setInterval(() => options.onProgress?.(sent), 1000);
  if (options.ratePerSecond) {
    const inFlight = new Set<Promise<void>>();
    const tickMs = 10;
    while (performance.now() < deadline) {
      // What is due is counted from the clock, not from the ticks: a timer that fires late (a busy
      // event loop) sends what it owes at once instead of quietly lowering the rate.
      // Rounded up: the first request goes at once, and a short, slow load still sends one.
      const due = Math.ceil(((performance.now() - started) / 1000) * options.ratePerSecond);
      while (sent < due) {
        const request = sendOne().finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) await sendOne();
      }),
    );
  }
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return {
    sent,
    accepted,
    acceptedInTime,
    errors,
    seconds: round(seconds, 2),
    perSecond: round(accepted / seconds),
    latency: latencies.summary(),
    statuses,
  };
}
