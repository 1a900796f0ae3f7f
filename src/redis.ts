import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { addressOf, DependencyError } from './dependencies.js';
import { clusterAddress } from './redis-url.js';

/**
 * A connection to the Redis that carries the queues: one server, or a Redis Cluster when REDIS_URL
 * names several nodes. BullMQ and the rest of Armory take either.
 */
export type RedisConnection = Redis | Cluster;

/** Where a REDIS_URL points, for logs and errors: its hosts, never a password. */
export function redisAddress(url: string): string {
  const cluster = clusterAddress(url);
  return cluster ? cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',') : addressOf(url);
}

/**
 * Opens a connection to REDIS_URL with ioredis's options. On a cluster the per-node options
 * (timeouts, retries per request) apply to every node, and the reconnect strategy to the cluster.
 */
export function openRedis(url: string, options: RedisOptions = {}): RedisConnection {
  const cluster = clusterAddress(url);
  if (!cluster) return new Redis(url, options);
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...nodeOptions } = options;
  return new Cluster(cluster.nodes, {
    ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
    ...(lazyConnect !== undefined && { lazyConnect }),
    ...(retryStrategy !== undefined && { clusterRetryStrategy: retryStrategy }),
    redisOptions: { ...nodeOptions, ...cluster.nodeOptions },
  });
}

/** Resolves once the connection is ready, or after `ms` whatever its state: a wait, never a failure. */
export function readyWithin(redis: RedisConnection, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/** The servers a connection stands for: the cluster's masters, or the one server. */
export const serversOf = (redis: RedisConnection): Redis[] =>
  redis instanceof Cluster ? redis.nodes('master') : [redis];

const CONNECT_TIMEOUT_MS = 3000;

/**
 * A Redis connection for a check or a short command: one attempt, no reconnect loop, no offline
 * queue. Rejects with a DependencyError when Redis cannot be reached; the caller disconnects it.
 */
export async function connectRedisOnce(redisUrl: string): Promise<RedisConnection> {
  const redis = openRedis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed"; the error event says why.
  let reason: unknown = new Error('connection closed');
  redis.on('error', (error: unknown) => (reason = error));
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new DependencyError('Redis', redisAddress(redisUrl), reason);
  }
  return redis;
}
