import type { Server } from 'node:http';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import { CatalogCache } from '../stores/catalog-store.js';
import { FinalOrderListener } from '../stores/final-orders.js';
import type { Logger } from '../logger.js';
import { createTelemetry, watchDependencies, type Telemetry } from '../telemetry/telemetry.js';
import type { RunningRole } from '../runtime.js';
import { countJobs, createOrderQueues, createProducerConnection } from '../queue/order-queue.js';
import { readyWithin } from '../redis.js';
import { createEventQueue } from '../queue/event-queue.js';
import { createOrderAccepter } from './accept-orders.js';
import { createApp } from './app.js';
import { drainServer, listen } from '../http/server.js';

export interface RunningApi extends RunningRole {
  server: Server;
  port: number;
  telemetry: Telemetry;
}

const PRODUCER_READY_WAIT_MS = 2000;

/**
 * The API role: accepts orders into PostgreSQL, hands them to the queue, answers reads. Started
 * alone (tests), it makes a Telemetry of its own; `runRole` passes the process's.
 */
export async function startApi(
  config: Config,
  orm: Orm,
  logger: Logger,
  port = config.PORT,
  telemetry = createTelemetry(logger),
): Promise<RunningApi> {
  const connection = createProducerConnection(config);
  // Its commands fail at once until it has connected (it has no offline queue): the first orders'
  // jobs would be left to the sweeper, the first player requests not counted. Redis being away is
  // no reason not to serve, so the wait is short.
  await readyWithin(connection, PRODUCER_READY_WAIT_MS);
  const queue = createOrderQueues(config, connection, logger);
  const eventQueue = createEventQueue(config, connection, logger);
  watchDependencies(telemetry.readiness, orm, connection);
  telemetry.metrics.watchQueue(() => countJobs(queue));
  const finalOrders = new FinalOrderListener(config.DATABASE_URL, logger);
  finalOrders.start();
  const app = createApp({
    config,
    orm,
    queue,
    redis: connection,
    eventQueue,
    logger,
    catalogCache: new CatalogCache(),
    telemetry,
    acceptOrder: createOrderAccepter({ orm, queue, logger, telemetry }),
    finalOrders,
  });
  const { server, port: boundPort } = await listen(app, port);
  logger.info({ port: boundPort }, 'api listening');

  let draining: Promise<void> | undefined;
  const drain = () => {
    telemetry.readiness.markStopping();
    return (draining ??= drainServer(server));
  };
  return {
    server,
    port: boundPort,
    telemetry,
    drain,
    close: async () => {
      await drain();
      await finalOrders.close();
      await queue.close();
      await eventQueue.close();
      connection.disconnect();
    },
  };
}
