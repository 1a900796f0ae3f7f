import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { until } from './wait.js';

const run = promisify(execFile);

/** A Redis Cluster on loopback, made of real `redis-server --cluster-enabled yes` processes. */
export interface LoopbackCluster {
  /** REDIS_URL for Armory: `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...`. */
  url: string;
  ports: number[];
  /** The ports of the nodes that are masters now. */
  masters: () => Promise<number[]>;
  /** Kills (SIGKILL) one node's process, as a crashed host would. */
  kill: (port: number) => Promise<void>;
  /** Resolves once every slot is served again by a live master (a replica took over). */
  healed: () => Promise<void>;
  stop: () => Promise<void>;
}

/** `redis-cli -p <port> <args>`; resolves with its output. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` ports, each free along with its cluster bus port (port + 10000). */
async function clusterPorts(count: number): Promise<number[]> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    const free = await Promise.all(ports.flatMap((port) => [bindable(port), bindable(port + 10_000)]));
    if (free.every(Boolean)) return ports;
  }
}

/**
 * Starts `masters` masters with `replicasPerMaster` replicas each and joins them with
 * `redis-cli --cluster create`. A node that stops answering is failed over after about a second.
 */
export async function startLoopbackCluster(masters = 3, replicasPerMaster = 1): Promise<LoopbackCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'armory-redis-cluster-'));
  const ports = await clusterPorts(masters * (1 + replicasPerMaster));
  const nodes = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
        // A replica syncs at once rather than after the default 5 s wait for other replicas.
        '--repl-diskless-sync-delay',
        '0',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        path.join(dir, `${port}.log`),
      ],
      { stdio: 'ignore' },
    );
    nodes.set(port, child);
  }
  const stop = async () => {
    for (const child of nodes.values()) child.kill('SIGKILL');
    await Promise.all(
      [...nodes.values()].map((child) =>
        alive(child) ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve(),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      const answers = await Promise.all(ports.map((port) => cli(port, 'ping').catch(() => '')));
      return answers.every((answer) => answer.trim() === 'PONG');
    }, 'every cluster node to answer');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicasPerMaster),
      '--cluster-yes',
    ]);
    const cluster: LoopbackCluster = {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      ports,
      masters: async () => (await slotOwners(nodes)).map(({ port }) => port),
      kill: async (port) => {
        const child = nodes.get(port)!;
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      },
      healed: () =>
        until(() => clusterServesEverySlot(nodes), 'the cluster to serve every slot again', 30_000),
      stop,
    };
    await cluster.healed();
    // A replica that has not synced with its master yet could not take over from it.
    await until(async () => {
      const links = await Promise.all(ports.map((port) => cli(port, 'info', 'replication')));
      const replicas = links.filter((info) => info.includes('role:slave'));
      return (
        replicas.length === masters * replicasPerMaster &&
        replicas.every((info) => info.includes('master_link_status:up'))
      );
    }, 'every replica to sync with its master');
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** The nodes that serve slots, as a live node sees them (`CLUSTER NODES`), with their flags. */
async function slotOwners(nodes: Map<number, ChildProcess>): Promise<{ port: number; flags: string[] }[]> {
  const [port] = [...nodes].find(([, child]) => alive(child))!;
  const lines = (await cli(port, 'cluster', 'nodes')).trim().split('\n');
  // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>
  return lines
    .map((line) => line.split(' '))
    .filter((fields) => fields.length > 8)
    .map(([, address, flags]) => ({ port: Number(/:(\d+)@/.exec(address!)![1]), flags: flags!.split(',') }));
}

/** Every live node says `cluster_state:ok`, and every slot's owner is alive and not suspected. */
async function clusterServesEverySlot(nodes: Map<number, ChildProcess>): Promise<boolean> {
  const live = [...nodes].filter(([, child]) => alive(child));
  const states = await Promise.all(live.map(([port]) => cli(port, 'cluster', 'info').catch(() => '')));
  if (!states.every((state) => state.includes('cluster_state:ok'))) return false;
  const owners = await slotOwners(nodes);
  return owners.every(
    ({ port, flags }) => alive(nodes.get(port)!) && !flags.some((flag) => flag.startsWith('fail')),
  );
}
