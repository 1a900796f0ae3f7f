import type { Worker } from 'bullmq';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../stores/catalog-store.js';
import type { Logger } from '../logger.js';
import { createTelemetry, watchDependencies, type Telemetry } from '../telemetry/telemetry.js';
import type { RunningRole } from '../runtime.js';
import { TimeoutError, withTimeout } from '../telemetry/timeout.js';
import { createOrderWorkers } from './order-worker.js';
import {
  countJobs,
  createOrderQueues,
  createProducerConnection,
  createWorkerConnection,
} from '../queue/order-queue.js';
import { startSweeper } from './sweeper.js';
import { createEventWorker } from './event-worker.js';
import { createEventQueue } from '../queue/event-queue.js';

/** Longest the drain waits for worker.close(); the process's own force-exit timer is 15 s. */
const WORKER_CLOSE_TIMEOUT_MS = 10_000;

/**
 * worker.close() waits for the running jobs, then for its blocking Redis connection to end, which
 * never happens if it is closed while that connection is reconnecting (taskforcesh/bullmq#4656).
 * Past the timeout the drain goes on: the process is about to exit, and a job still running then
 * is only stalled, taken over later and applied once (PostgreSQL decides).
 */
async function closeWorker(worker: Worker, logger: Logger): Promise<void> {
  try {
    await withTimeout(worker.close(), WORKER_CLOSE_TIMEOUT_MS);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    logger.warn(
      { timeout_ms: WORKER_CLOSE_TIMEOUT_MS },
      'worker did not close in time; going on with the shutdown',
    );
  }
}

export interface RunningWorker extends RunningRole {
  telemetry: Telemetry;
}

/**
 * The worker role: applies queued orders and re-delivers stored orders that lost their job. Started
 * alone (tests), it makes a Telemetry of its own; `runRole` passes the process's.
 */
export function startWorker(
  config: Config,
  orm: Orm,
  logger: Logger,
  telemetry = createTelemetry(logger),
): RunningWorker {
  const workerConnection = createWorkerConnection(config);
  const producerConnection = createProducerConnection(config);
  const queue = createOrderQueues(config, producerConnection, logger);
  const eventQueue = createEventQueue(config, producerConnection, logger);
  const workers = createOrderWorkers(
    { orm, config, logger, catalogCache: new CatalogCache(), metrics: telemetry.metrics, queue, eventQueue },
    workerConnection,
  );
  const eventConnection = createWorkerConnection(config);
  const eventWorker =
    config.EVENT_CONCURRENCY > 0 ? createEventWorker({ orm, config, logger }, eventConnection) : null;
  watchDependencies(telemetry.readiness, orm, producerConnection);
  telemetry.metrics.watchQueue(() => countJobs(queue));
  const sweeper = startSweeper({
    orm,
    queue,
    eventQueue,
    logger,
    metrics: telemetry.metrics,
    intervalMs: config.SWEEP_INTERVAL_MS,
    minAgeMs: config.SWEEP_MIN_AGE_MS,
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, 'worker started');

  let draining: Promise<void> | undefined;
  const drain = () => {
    telemetry.readiness.markStopping();
    // The sweeper first: it must not enqueue into a queue that is about to close. Then worker.close()
    // takes no new job and waits for the ones running, so none is left stalled to run twice.
    return (draining ??= sweeper
      .stop()
      .then(() =>
        Promise.all([
          ...workers.map((worker) => closeWorker(worker, logger)),
          eventWorker && closeWorker(eventWorker, logger),
        ]),
      )
      .then(() => undefined));
  };
  return {
    telemetry,
    drain,
    close: async () => {
      await drain();
      await queue.close();
      await eventQueue.close();
      workerConnection.disconnect();
      eventConnection.disconnect();
      producerConnection.disconnect();
    },
  };
}
