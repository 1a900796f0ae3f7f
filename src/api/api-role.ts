import type { Server } from 'node:http';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../domain/catalog-store.js';
import type { Logger } from '../logger.js';
import {
  createObservability,
  watchDependencies,
  type Observability,
} from '../observability/observability.js';
import type { Role } from '../runtime.js';
import { countJobs, createOrderQueue, createProducerConnection } from '../workers/queue.js';
import { createApp } from './app.js';
import { drainServer, listen } from './http-server.js';

export interface RunningApi extends Role {
  server: Server;
  port: number;
  observability: Observability;
}

/**
 * The API role: accepts orders into PostgreSQL, hands them to the queue, answers reads. Started
 * alone (tests), it makes an Observability of its own; `runRole` passes the process's.
 */
export async function startApi(
  config: Config,
  orm: Orm,
  logger: Logger,
  port = config.PORT,
  observability = createObservability(logger),
): Promise<RunningApi> {
  const connection = createProducerConnection(config);
  const queue = createOrderQueue(config, connection, logger);
  watchDependencies(observability.readiness, orm, connection);
  observability.metrics.watchQueue(() => countJobs(queue));
  const app = createApp({ config, orm, queue, logger, catalogCache: new CatalogCache(), observability });
  const { server, port: boundPort } = await listen(app, port);
  logger.info({ port: boundPort }, 'api listening');

  let draining: Promise<void> | undefined;
  const drain = () => {
    observability.readiness.markStopping();
    return (draining ??= drainServer(server));
  };
  return {
    server,
    port: boundPort,
    observability,
    drain,
    close: async () => {
      await drain();
      await queue.close();
      connection.disconnect();
    },
  };
}
