import { pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../domain/catalog-store.js';
import type { Logger } from '../logger.js';
import { runRole } from '../runtime.js';
import { createOrderWorker } from './order-worker.js';
import { createOrderQueue, createProducerConnection, createWorkerConnection } from './queue.js';
import { startSweeper } from './sweeper.js';

export interface RunningWorker {
  close: () => Promise<void>;
}

/** The worker role: applies queued orders and re-delivers stored orders that lost their job. */
export function startWorker(config: Config, orm: Orm, logger: Logger): RunningWorker {
  const workerConnection = createWorkerConnection(config);
  const producerConnection = createProducerConnection(config);
  for (const connection of [workerConnection, producerConnection]) {
    connection.on('error', (error) => logger.warn({ err: String(error) }, 'redis connection error'));
  }
  const worker = createOrderWorker(
    { orm, config, logger, catalogCache: new CatalogCache() },
    workerConnection,
  );
  const queue = createOrderQueue(config, producerConnection);
  const sweeper = startSweeper({
    orm,
    queue,
    logger,
    intervalMs: config.SWEEP_INTERVAL_MS,
    minAgeMs: config.SWEEP_MIN_AGE_MS,
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, 'worker started');
  return {
    close: async () => {
      await sweeper.stop();
      await worker.close();
      await queue.close();
      workerConnection.disconnect();
      producerConnection.disconnect();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRole('worker', (config, orm, logger) => Promise.resolve([startWorker(config, orm, logger)]));
}
