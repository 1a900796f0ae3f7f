import { execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseUrl, dropDatabase, uniqueName } from '../helpers/database.js';
import { removeOrderQueue } from '../helpers/harness.js';
import {
  freePort,
  killStartedProcesses,
  startProcess,
  startScript,
  type RunningProcess,
} from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

/**
 * Starting and stopping as a container runtime or an operator does: the
 * processes are real, started the way the npm scripts start them, and only their output is judged.
 */

const run = promisify(execFile);

let databaseName: string;
const queuePrefix = uniqueName('armory_test');
const prefixes = [queuePrefix];

beforeAll(async () => {
  databaseName = await createTestDatabase();
});
afterAll(async () => {
  killStartedProcesses();
  for (const prefix of prefixes) await removeOrderQueue(prefix);
  await dropDatabase(databaseName);
});

/** The environment of a role on this machine's PostgreSQL and Redis, with `overrides` on top. */
const roleEnv = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  ...process.env,
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  DATABASE_URL: databaseUrl(databaseName),
  REDIS_URL: 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: queuePrefix,
  ...overrides,
});

async function closedPort(): Promise<number> {
  return freePort();
}

/** Exactly one log line on stdout (fatal), nothing on stderr, exit 1. */
async function expectOneFatalLine(run: RunningProcess): Promise<Record<string, unknown>> {
  expect(await run.exited).toEqual({ code: 1, signal: null });
  expect(run.stderr()).toBe('');
  const lines = run.stdout().trim().split('\n');
  const fatal = run.logLines().filter((line) => line.level === 60);
  expect(fatal, run.stdout()).toHaveLength(1);
  expect(lines[lines.length - 1]).toBe(JSON.stringify(fatal[0]));
  return fatal[0]!;
}

describe('starting', () => {
  it('npm start connects as the operating-system user when USER is unset, and SIGTERM to npm reaches node', async () => {
    const url = new URL(databaseUrl(databaseName));
    url.username = '';
    const port = await freePort();
    const env = roleEnv({ DATABASE_URL: url.toString(), PORT: String(port) });
    // Neither USER nor PGUSER: the operating-system user it is.
    delete env.USER;
    delete env.PGUSER;
    const run = startProcess('npm', ['start'], env);
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      `npm start to be ready (output: ${run.stdout()} ${run.stderr()})`,
    );

    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.logLines().map((line) => line.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    );
    // The node process behind npm is gone with it, not left running.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('PostgreSQL unreachable: one line naming it and where, exit 1', async () => {
    const port = await closedPort();
    const run = startScript(
      'src/main.ts',
      roleEnv({ DATABASE_URL: `postgres://armory:secret@127.0.0.1:${port}/armory` }),
    );
    const line = await expectOneFatalLine(run);
    expect(line).toMatchObject({ dependency: 'PostgreSQL', address: `127.0.0.1:${port}/armory` });
    expect(line.msg).toBe(
      `cannot reach PostgreSQL at 127.0.0.1:${port}/armory: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(run.stdout()).not.toContain('secret');
    expect((line.err as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('Redis unreachable: one line naming it and where, exit 1', async () => {
    const port = await closedPort();
    const run = startScript('src/main.ts', roleEnv({ REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' }));
    const line = await expectOneFatalLine(run);
    expect(line).toMatchObject({ dependency: 'Redis', address: `127.0.0.1:${port}` });
    expect(line.msg).toMatch(/^cannot reach Redis at /);
  });

  it('the port in use: one line naming the port, exit 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const run = startScript('src/api/main.ts', roleEnv({ PORT: String(port) }));
      const line = await expectOneFatalLine(run);
      expect(line).toMatchObject({ port });
      expect(line.msg).toMatch(new RegExp(`^cannot listen on port ${port}: .*address already in use`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('the compiled output, as the image runs it', () => {
  // Inside node_modules, so the compiled files find their dependencies as dist/ does in the image.
  const outDir = path.resolve('node_modules/.cache', uniqueName('armory_dist'));
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('node dist/main.js serves, and stops with 0 on SIGTERM', async () => {
    await run(process.execPath, [
      path.resolve('node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      outDir,
    ]);
    const port = await freePort();
    const served = startProcess(
      process.execPath,
      [path.join(outDir, 'main.js')],
      roleEnv({ PORT: String(port) }),
    );
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      `the compiled service to be ready (output: ${served.stdout()} ${served.stderr()})`,
    );
    served.child.kill('SIGTERM');
    expect(await served.exited).toEqual({ code: 0, signal: null });
    expect(served.stderr()).toBe('');
  }, 60_000);
});

describe('failing after startup', () => {
  it.each(['throw', 'reject'])('an error nothing handled (%s) is one line, then exit 1', async (how) => {
    const run = startProcess(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/failing-role.ts', how],
      roleEnv(),
    );
    const line = await expectOneFatalLine(run);
    expect(line.msg).toBe(how === 'throw' ? 'uncaught exception' : 'unhandled rejection');
    expect((line.err as { message: string }).message).toBe(
      `boom (${how === 'throw' ? 'thrown' : 'rejected'})`,
    );
  });
});

describe('stopping during startup', () => {
  it('SIGTERM while PostgreSQL is still being reached: exit 0', async () => {
    // A server that takes connections and never answers: startup waits on it.
    let reached!: () => void;
    const connected = new Promise<void>((resolve) => (reached = resolve));
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      reached();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const run = startScript(
        'src/main.ts',
        roleEnv({ DATABASE_URL: `postgres://armory@127.0.0.1:${port}/armory` }),
      );
      await connected;
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stderr()).toBe('');
      expect(run.logLines().map((line) => line.msg)).toEqual(['stopped before startup finished']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('npm run dev', () => {
  it('serves the API and a worker on PORT, its logs pretty-printed rather than JSON', async () => {
    const port = await freePort();
    // Its own process group: npm, the shell, tsx watch, the service and pino-pretty stop together.
    const child = spawn('npm', ['run', 'dev'], {
      env: roleEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(
        async () => {
          const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
          return ready?.status === 200;
        },
        'npm run dev to be ready',
        30_000,
      );
      await until(() => Promise.resolve(/worker started/.test(output)), 'the worker to log its start');
      expect(output).toMatch(/INFO \(armory-all\/\d+\): api listening/);
      expect(output.split('\n').filter((line) => line.startsWith('{"level"'))).toEqual([]);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  }, 60_000);
});
