import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from './sql.js';

/**
 * Every worker process ticks its sweeper each SWEEP_INTERVAL_MS, and the first to tick once a
 * round is due takes it: the fleet sweeps about once per interval, whether it runs one worker or a
 * hundred. A round is due `ROUND_SHARE` of an interval after the last one started (the processes'
 * timers drift, and a lone worker must not skip every other tick). One statement decides, under
 * the row's lock, so two processes never both take a round.
 */
const ROUND_SHARE = 0.8;

/** Whether this process takes the sweeper's round now. */
export async function claimSweepRound(em: EntityManager, intervalMs: number): Promise<boolean> {
  const rows = await runSql<{ started_at: Date }[]>(
    em,
    `insert into sweeper_run (name, started_at) values ('stale-work', clock_timestamp())
     on conflict (name) do update set started_at = excluded.started_at
      where sweeper_run.started_at <= excluded.started_at - make_interval(secs => ?)
     returning started_at`,
    [(intervalMs * ROUND_SHARE) / 1000],
  );
  return rows.length === 1;
}
