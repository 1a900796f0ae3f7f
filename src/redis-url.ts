import type { RedisOptions } from 'ioredis';

/**
 * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` for TLS): the seed nodes
 * of a Redis Cluster. Any one reachable node is enough; the client learns the rest from it.
 */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^@/?#]+)\/?$/;

interface ClusterAddress {
  nodes: { host: string; port: number }[];
  /** Credentials and TLS, the same on every node. */
  nodeOptions: Pick<RedisOptions, 'username' | 'password' | 'tls'>;
}

/** The cluster a `redis+cluster://` URL names; null for any other URL. Throws on a malformed one. */
export function clusterAddress(url: string): ClusterAddress | null {
  const match = CLUSTER_URL.exec(url);
  if (!match) return null;
  const [, scheme, auth, hosts] = match;
  const nodes = hosts!.split(',').map((host) => new URL(`${scheme}://${auth ? `${auth}@` : ''}${host}`));
  if (nodes.some((node) => node.hostname === '')) throw new Error(`a cluster node without a host: ${hosts}`);
  const first = nodes[0]!;
  return {
    nodes: nodes.map((node) => ({
      host: node.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(node.port || 6379),
    })),
    nodeOptions: {
      ...(first.username && { username: decodeURIComponent(first.username) }),
      ...(first.password && { password: decodeURIComponent(first.password) }),
      ...(scheme === 'rediss' && { tls: {} }),
    },
  };
}

export const isClusterUrl = (url: string): boolean => CLUSTER_URL.test(url);

/** Whether REDIS_URL can be used: `redis://`, `rediss://`, or a cluster's `redis+cluster://`. */
export function isRedisUrl(url: string): boolean {
  try {
    if (clusterAddress(url)) return true;
    return ['redis:', 'rediss:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
