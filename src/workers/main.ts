import { pathToFileURL } from 'node:url';
import { startProbeServer } from '../api/http-server.js';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../domain/catalog-store.js';
import type { Logger } from '../logger.js';
import {
  createObservability,
  watchDependencies,
  type Observability,
} from '../observability/observability.js';
import { runRole, type Role } from '../runtime.js';
import { createOrderWorker } from './order-worker.js';
import { countJobs, createOrderQueue, createProducerConnection, createWorkerConnection } from './queue.js';
import { startSweeper } from './sweeper.js';

export interface RunningWorker extends Role {
  observability: Observability;
}

/**
 * The worker role: applies queued orders and re-delivers stored orders that lost their job. Started
 * alone (tests), it makes an Observability of its own; `runRole` passes the process's.
 */
export function startWorker(
  config: Config,
  orm: Orm,
  logger: Logger,
  observability = createObservability(logger),
): RunningWorker {
  const workerConnection = createWorkerConnection(config);
  const producerConnection = createProducerConnection(config);
  for (const connection of [workerConnection, producerConnection]) {
    connection.on('error', (error) => logger.warn({ err: String(error) }, 'redis connection error'));
  }
  const worker = createOrderWorker(
    { orm, config, logger, catalogCache: new CatalogCache(), metrics: observability.metrics },
    workerConnection,
  );
  const queue = createOrderQueue(config, producerConnection);
  watchDependencies(observability.readiness, orm, producerConnection);
  observability.metrics.watchQueue(() => countJobs(queue));
  const sweeper = startSweeper({
    orm,
    queue,
    logger,
    intervalMs: config.SWEEP_INTERVAL_MS,
    minAgeMs: config.SWEEP_MIN_AGE_MS,
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, 'worker started');

  let draining: Promise<void> | undefined;
  const drain = () => {
    observability.readiness.markStopping();
    // The sweeper first: it must not enqueue into a queue that is about to close. Then worker.close()
    // takes no new job and waits for the ones running, so none is left stalled to run twice.
    return (draining ??= sweeper.stop().then(() => worker.close()));
  };
  return {
    observability,
    drain,
    close: async () => {
      await drain();
      await queue.close();
      workerConnection.disconnect();
      producerConnection.disconnect();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRole('worker', async (config, orm, logger, observability) => {
    const worker = startWorker(config, orm, logger, observability);
    if (config.WORKER_PORT === undefined) return [worker];
    // Drained after the worker: probes and scrapes keep answering (503 on /readyz) while jobs finish.
    return [worker, await startProbeServer(observability, logger, config.WORKER_PORT)];
  });
}
