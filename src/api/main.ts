import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../domain/catalog-store.js';
import type { Logger } from '../logger.js';
import { runRole } from '../runtime.js';
import { createOrderQueue, createProducerConnection } from '../workers/queue.js';
import { createApp } from './app.js';

export interface RunningApi {
  server: Server;
  port: number;
  close: () => Promise<void>;
}

/** The API role: accepts orders into PostgreSQL, hands them to the queue, answers reads. */
export async function startApi(
  config: Config,
  orm: Orm,
  logger: Logger,
  port = config.PORT,
): Promise<RunningApi> {
  const connection = createProducerConnection(config);
  connection.on('error', (error) => logger.warn({ err: String(error) }, 'redis connection error'));
  const queue = createOrderQueue(config, connection);
  queue.on('error', (error) => logger.warn({ err: String(error) }, 'queue error'));
  const app = createApp({ config, orm, queue, logger, catalogCache: new CatalogCache() });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, () => resolve(listening));
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  logger.info({ port: boundPort }, 'api listening');
  return {
    server,
    port: boundPort,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      connection.disconnect();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRole('api', async (config, orm, logger) => [await startApi(config, orm, logger)]);
}
