import type { Queue } from 'bullmq';
import type { Orm } from '../db/orm.js';
import { findPlayersWithStaleOrders } from '../stores/order-store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { enqueuePlayers, oldestLiveJobTime, type OrderQueues } from '../queue/order-queue.js';
import { enqueueStreams, type EventJob } from '../queue/event-queue.js';
import { findStalledStreams } from '../stores/deliveries-store.js';
import { claimSweepRound } from '../stores/sweeper-store.js';

/**
 * Allowed difference between the clocks of the processes that stamp jobs (Redis clients) and of
 * PostgreSQL, plus the time from an accept's commit to its job's add.
 */
const CLOCK_MARGIN_MS = 1000;

/**
 * PostgreSQL is the source of truth; Redis only delivers. Orders that are stored but have no live
 * job (the enqueue failed, the process died between commit and enqueue, Redis lost its data) are
 * given one job naming their players. An order stored after the oldest live job was added may still
 * have a live job of its own, so only orders stored before it are taken; a job for a player who has
 * nothing waiting any more finds nothing to do. Answers the number of players.
 */
export async function sweepStaleOrders(orm: Orm, queue: OrderQueues, minAgeMs: number): Promise<number> {
  const oldestJob = await oldestLiveJobTime(queue);
  const storedBefore = oldestJob === null ? null : new Date(oldestJob - CLOCK_MARGIN_MS);
  const players = await findPlayersWithStaleOrders(orm.em.fork(), minAgeMs, storedBefore, SWEEP_ROUND_LIMIT);
  await enqueuePlayers(queue, players, SWEEP_JOB_SIZE);
  return players.length;
}

/**
 * Most players (or event streams) one round gives jobs to: found by one query, their jobs added in
 * one round trip, so a backlog of stale work (Redis lost its data) is back in the queue within a
 * few rounds.
 */
export const SWEEP_ROUND_LIMIT = 20_000;
/** Players (or event streams) one sweeper job names: workers share the jobs, as any. */
export const SWEEP_JOB_SIZE = 500;

/** Gives event streams whose job was lost another one (deliveries-store.ts). Answers how many. */
export async function sweepStalledEvents(
  orm: Orm,
  eventQueue: Queue<EventJob>,
  minAgeMs: number,
): Promise<number> {
  const streams = await findStalledStreams(orm.em.fork(), minAgeMs, SWEEP_ROUND_LIMIT);
  await enqueueStreams(eventQueue, streams, SWEEP_JOB_SIZE);
  return streams.length;
}

export function startSweeper(deps: {
  orm: Orm;
  queue: OrderQueues;
  eventQueue: Queue<EventJob>;
  logger: Logger;
  metrics: Metrics;
  intervalMs: number;
  minAgeMs: number;
}): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        // One round per interval for the whole fleet: another process may have taken this one.
        if (!(await claimSweepRound(deps.orm.em.fork(), deps.intervalMs))) return;
        const players = await sweepStaleOrders(deps.orm, deps.queue, deps.minAgeMs);
        deps.metrics.sweptJobs.inc({ queue: 'orders' }, players);
        if (players > 0) deps.logger.warn({ players }, 'sweeper gave a job to players whose orders had none');
        const streams = await sweepStalledEvents(deps.orm, deps.eventQueue, deps.minAgeMs);
        deps.metrics.sweptJobs.inc({ queue: 'events' }, streams);
        if (streams > 0) deps.logger.warn({ streams }, 'sweeper gave a job to event streams that had none');
        deps.metrics.sweeps.inc({ outcome: 'ok' });
      } catch (error) {
        deps.metrics.sweeps.inc({ outcome: 'failed' });
        deps.logger.warn({ err: error }, 'sweep failed; will try again');
      }
    });
  }, deps.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
