import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { serversOf, type RedisConnection } from '../redis.js';

/**
 * BullMQ's keys must never be evicted: under any other `maxmemory-policy` a full Redis silently drops
 * jobs (the sweeper re-delivers them, but late). Reads the policy of every server (each master of a
 * cluster) and warns when one is not `noeviction`; returns the first such policy, else `noeviction`
 * (null when no server said).
 * Managed Redis services often refuse CONFIG; that is logged and otherwise ignored.
 */
export async function checkRedisEvictionPolicy(
  redis: RedisConnection,
  logger: Logger,
): Promise<string | null> {
  const policies = await Promise.all(serversOf(redis).map((server) => evictionPolicyOf(server, logger)));
  const known = policies.filter((policy) => policy !== null);
  return known.find((policy) => policy !== 'noeviction') ?? known[0] ?? null;
}

async function evictionPolicyOf(server: Redis, logger: Logger): Promise<string | null> {
  let reply: unknown;
  try {
    reply = await server.config('GET', 'maxmemory-policy');
  } catch (error) {
    logger.info({ err: error }, 'could not read Redis maxmemory-policy; make sure it is noeviction');
    return null;
  }
  const policy = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
  if (policy === null) {
    logger.info('Redis did not report its maxmemory-policy; make sure it is noeviction');
  } else if (policy !== 'noeviction') {
    logger.warn(
      { maxmemory_policy: policy, server: `${server.options.host}:${server.options.port}` },
      'Redis maxmemory-policy is not noeviction: Redis may evict queued jobs when memory is full',
    );
  }
  return policy;
}
