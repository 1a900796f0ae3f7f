import type { RedisConnection } from '../redis.js';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { Metrics } from './metrics.js';
import { Readiness } from './readiness.js';

/**
 * What one process knows about itself: its metrics and whether it should be sent work. Created once
 * per process (runtime.ts) and handed to every role in it; a role started alone (tests) makes its own.
 */
export interface Telemetry {
  metrics: Metrics;
  readiness: Readiness;
}

export function createTelemetry(logger?: Logger): Telemetry {
  return { metrics: new Metrics(), readiness: new Readiness(logger) };
}

/** The readiness checks every role needs: PostgreSQL answers `select 1`, Redis answers PING. */
export function watchDependencies(readiness: Readiness, orm: Orm, redis: RedisConnection): void {
  readiness.add('postgres', () => orm.em.getConnection().execute('select 1'));
  readiness.add('redis', () => redis.ping());
}
