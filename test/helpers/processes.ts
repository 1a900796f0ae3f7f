import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout: () => string;
  stderr: () => string;
  /** stdout's lines that parse as JSON (log lines). */
  logLines: () => Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** Kills (SIGKILL) every process started here that is still running: for a test's afterAll. */
export function killStartedProcesses(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Starts a command with its output captured, as an operator or a container runtime would. */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): RunningProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logLines = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, stdout: () => stdout, stderr: () => stderr, logLines, exited };
}

/** `node --import tsx <script>`, as the npm scripts run each role. */
export const startScript = (script: string, env: Record<string, string | undefined>) =>
  startProcess(process.execPath, ['--import', 'tsx', script], env);

/** A worker process (`src/workers/main.ts`, through tsx) with the given settings (a harness's `childEnv`). */
export function startWorkerProcess(env: Record<string, string>): RunningProcess {
  return startProcess(process.execPath, ['--import', 'tsx', 'src/workers/main.ts'], {
    ...process.env,
    ...env,
  });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The ops CLI as ops run it (`npm run ops -- ...`), in a child process with this environment. */
export function runOps(env: Record<string, string>, args: string[], stdin?: string): Promise<CliRun> {
  return new Promise<CliRun>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/ops.ts', ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}
