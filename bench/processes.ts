import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { productionNodeOptions } from './build.js';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * What a role process runs: a baseline's TypeScript through tsx (they are not the product), or
 * Armory's compiled JavaScript, as production runs it (see build.ts).
 */
export type RoleScript = { tsx: string } | { compiled: string };

const nodeArguments = (script: RoleScript) =>
  'tsx' in script ? ['--import', 'tsx', script.tsx] : [script.compiled];

/** A benchmark process (an Armory role or a baseline), with its peak memory read from /proc. */
export class RoleProcess {
  private peakRssBytes = 0;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {}

  /**
   * Starts `node <script>` (through tsx for TypeScript). With `waitFor: 'ready-line'` it resolves once the child
   * prints `READY`; with a URL it resolves once that URL answers.
   */
  static async start(
    name: string,
    script: RoleScript,
    env: Record<string, string>,
    waitFor: 'ready-line' | { url: string } | 'nothing',
  ): Promise<RoleProcess> {
    const child = spawn(process.execPath, nodeArguments(script), {
      env: {
        ...process.env,
        ...('compiled' in script && { NODE_OPTIONS: productionNodeOptions() }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const role = new RoleProcess(name, child);
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
      if (waitFor === 'ready-line') lines.on('line', (line) => line.startsWith('READY') && resolve());
      else if (waitFor === 'nothing') resolve();
      else void pollUntilUp(waitFor.url).then(resolve, reject);
    });
    lines.on('line', () => undefined);
    await ready;
    return role;
  }

  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMb(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakRssBytes = Math.max(this.peakRssBytes, kb * 1024);
    } catch {
      // the process is gone; keep the last reading
    }
    return Math.round(this.peakRssBytes / (1024 * 1024));
  }

  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number {
    return this.child.pid === undefined ? 0 : (cpuMsOfPid(this.child.pid) ?? 0);
  }

  /** SIGTERM, then SIGKILL if it has not gone after 15 s. Returns the peak RSS in MiB. */
  async stop(): Promise<number> {
    const peak = this.peakRssMb();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return peak;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    return peak;
  }
}

async function pollUntilUp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Linux reports CPU time in clock ticks of USER_HZ, 100 per second on every common architecture. */
const MS_PER_TICK = 10;

/** CPU time (user + system) a process has used so far, in ms, from /proc; null once it is gone. */
function cpuMsOfPid(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}

/**
 * CPU time used so far by every process with this name (`postgres`: the server and each
 * connection's backend; `redis-server`), in ms. Backends that ended meanwhile are not counted, so
 * compare readings across a window in which the pools keep their connections.
 */
export function cpuMsOfProcessesNamed(name: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== name) continue;
    } catch {
      continue;
    }
    total += cpuMsOfPid(pid) ?? 0;
  }
  return total;
}
