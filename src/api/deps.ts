import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { CatalogCache } from '../domain/catalog-store.js';
import type { Logger } from '../logger.js';
import type { Observability } from '../observability/observability.js';
import type { OrderJob } from '../workers/queue.js';

export interface ApiDeps {
  config: Config;
  orm: Orm;
  queue: Queue<OrderJob>;
  logger: Logger;
  catalogCache: CatalogCache;
  observability: Observability;
}
