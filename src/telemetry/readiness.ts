import type { Logger } from '../logger.js';
import { TimeoutError, withTimeout } from './timeout.js';

/** A dependency the process cannot work without; resolves when it answers, rejects when not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  ready: boolean;
  status: 'ready' | 'not_ready' | 'stopping';
  /** Each dependency: "ok", "failed" or "timeout" (no error text: the endpoint is unauthenticated). */
  checks: Record<string, 'ok' | 'failed' | 'timeout'>;
}

const CHECK_TIMEOUT_MS = 1000;

/**
 * Whether this process should be sent work: every dependency answers within a short timeout, and
 * shutdown has not begun. Once stopping, the answer is "no" for good, so a load balancer drains the
 * process while it finishes what it holds.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private stopping = false;
  private lastReady = true;

  constructor(private readonly logger?: Logger) {}

  /** Roles add what they depend on; a second check of the same name (API and worker in one process) replaces the first. */
  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  markStopping(): void {
    this.stopping = true;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          const outcome = error instanceof TimeoutError ? 'timeout' : 'failed';
          return [name, outcome, error] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries.map(([name, outcome]) => [name, outcome]));
    const healthy = entries.every(([, outcome]) => outcome === 'ok');
    // Log the reason once per change, not on every probe: a line per dependency that failed.
    if (!healthy && this.lastReady) {
      for (const [name, outcome, error] of entries) {
        if (outcome !== 'ok')
          this.logger?.warn({ dependency: name, err: error }, 'not ready: a dependency does not answer');
      }
    } else if (healthy && !this.lastReady) {
      this.logger?.info('ready again: every dependency answers');
    }
    this.lastReady = healthy;
    const ready = healthy && !this.stopping;
    return { ready, status: this.stopping ? 'stopping' : ready ? 'ready' : 'not_ready', checks };
  }
}
