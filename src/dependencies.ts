import { Redis } from 'ioredis';
import { reasonOf } from './error-text.js';

/**
 * The two services Armory cannot work without, and how to say in one line that one of them could
 * not be used: at startup (runtime.ts), in the ops CLI, in logs.
 */

export type Dependency = 'PostgreSQL' | 'Redis';

/** Host, port and path of a connection URL: enough to say which server, never its password. */
export function addressOf(url: string): string {
  const { host, pathname } = new URL(url);
  return `${host}${pathname === '/' ? '' : pathname}`;
}

/** Something a process needs and could not get; the message names what and where, in one line. */
export class StartupError extends Error {
  constructor(
    message: string,
    /** Log fields that say what and where (`dependency`, `address`, `port`). */
    readonly fields: Record<string, string | number>,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'StartupError';
  }
}

/** A dependency that could not be reached or used: which one, where, and why. */
export class DependencyError extends StartupError {
  constructor(dependency: Dependency, address: string, cause: unknown) {
    super(`cannot reach ${dependency} at ${address}: ${reasonOf(cause)}`, { dependency, address }, cause);
    this.name = 'DependencyError';
  }
}

const CONNECT_TIMEOUT_MS = 3000;

/**
 * A Redis connection for a check or a short command: one attempt, no reconnect loop, no offline
 * queue. Rejects with a DependencyError when Redis cannot be reached; the caller disconnects it.
 */
export async function connectRedisOnce(redisUrl: string): Promise<Redis> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed"; the error event says why.
  let reason: unknown = new Error('connection closed');
  redis.on('error', (error) => (reason = error));
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new DependencyError('Redis', addressOf(redisUrl), reason);
  }
  return redis;
}
