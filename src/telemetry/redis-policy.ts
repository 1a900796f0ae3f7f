import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * BullMQ's keys must never be evicted: under any other `maxmemory-policy` a full Redis silently drops
 * jobs (the sweeper re-delivers them, but late). Reads the policy and warns when it is not
 * `noeviction`. Managed Redis services often refuse CONFIG; that is logged and otherwise ignored.
 */
export async function checkRedisEvictionPolicy(redis: Redis, logger: Logger): Promise<string | null> {
  let reply: unknown;
  try {
    reply = await redis.config('GET', 'maxmemory-policy');
  } catch (error) {
    logger.info({ err: error }, 'could not read Redis maxmemory-policy; make sure it is noeviction');
    return null;
  }
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
}
