import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { clusterAddress } from '../src/redis-url.js';
import { openRedis, redisAddress } from '../src/redis.js';

describe('REDIS_URL', () => {
  it('names a Redis Cluster by its seed nodes, with the credentials and TLS of every node', () => {
    expect(clusterAddress('rediss+cluster://ops:p%40ss@cache-1:7000,[::1],10.0.0.3:7002/')).toEqual({
      nodes: [
        { host: 'cache-1', port: 7000 },
        { host: '::1', port: 6379 },
        { host: '10.0.0.3', port: 7002 },
      ],
      nodeOptions: { username: 'ops', password: 'p@ss', tls: {} },
    });
    expect(clusterAddress('redis+cluster://a:1')).toEqual({
      nodes: [{ host: 'a', port: 1 }],
      nodeOptions: {},
    });
    expect(clusterAddress('redis://a:1')).toBeNull();
  });

  it('opens a cluster client for a cluster URL and a plain one otherwise, and says where without the password', () => {
    const cluster = openRedis('redis+cluster://:secret@127.0.0.1:7000,127.0.0.1:7001', {
      lazyConnect: true,
      maxRetriesPerRequest: null,
    });
    const single = openRedis('redis://:secret@127.0.0.1:6379/2', { lazyConnect: true });
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect((cluster as Cluster).options.redisOptions).toMatchObject({
        password: 'secret',
        maxRetriesPerRequest: null,
      });
      expect(single).toBeInstanceOf(Redis);
      expect(redisAddress('redis+cluster://:secret@127.0.0.1:7000,127.0.0.1:7001')).toBe(
        '127.0.0.1:7000,127.0.0.1:7001',
      );
      expect(redisAddress('redis://:secret@127.0.0.1:6379/2')).toBe('127.0.0.1:6379/2');
    } finally {
      cluster.disconnect();
      single.disconnect();
    }
  });
});
