import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { withTimeout } from './timeout.js';

const CHECK_TIMEOUT_MS = 3000;

/**
 * BullMQ's keys must never be evicted: under any other `maxmemory-policy` a full Redis silently drops
 * jobs (the sweeper re-delivers them, but late). Reads the policy once and warns when it is not
 * `noeviction`. Managed Redis services often refuse CONFIG; that, or Redis being away, is logged and
 * otherwise ignored: this check must never stop the process.
 */
export async function checkRedisEvictionPolicy(redisUrl: string, logger: Logger): Promise<string | null> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: CHECK_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    const reply = await withTimeout(
      redis.connect().then(() => redis.config('GET', 'maxmemory-policy')),
      CHECK_TIMEOUT_MS,
    );
    const policy = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
    if (policy === null) {
      logger.info('Redis did not report its maxmemory-policy; make sure it is noeviction');
    } else if (policy !== 'noeviction') {
      logger.warn(
        { maxmemory_policy: policy },
        'Redis maxmemory-policy is not noeviction: Redis may evict queued jobs when memory is full',
      );
    }
    return policy;
  } catch (error) {
    logger.info({ err: String(error) }, 'could not read Redis maxmemory-policy; make sure it is noeviction');
    return null;
  } finally {
    redis.disconnect();
  }
}
