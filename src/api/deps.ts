import type { Queue } from 'bullmq';
import { routeFor } from '../http/routes.js';
import type { OrderAccepter } from './accept-orders.js';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../stores/catalog-store.js';
import type { Logger } from '../logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { OrderQueues } from '../queue/order-queue.js';
import type { RedisConnection } from '../redis.js';
import type { EventJob } from '../queue/event-queue.js';
import type { FinalOrderListener } from '../stores/final-orders.js';

export interface ApiDeps {
  config: Config;
  orm: Orm;
  queue: OrderQueues;
  /** The producer's connection (fails fast when Redis is away): the queues', and the rate limit's. */
  redis: RedisConnection;
  /** Where a replayed delivery is handed (the worker hands new events itself). */
  eventQueue: Queue<EventJob>;
  logger: Logger;
  catalogCache: CatalogCache;
  telemetry: Telemetry;
  /** Stores and enqueues an order, batched with concurrent submits (accept-orders.ts). */
  acceptOrder: OrderAccepter;
  /** PostgreSQL's word that orders became final, for requests that wait for them. */
  finalOrders: FinalOrderListener;
}

/** Declares one route of the API (see src/http/routes.ts). */
export const apiRoute = routeFor<ApiDeps>();
