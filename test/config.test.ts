import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_NAMES, ConfigError, loadConfig, SECRET_NAMES } from '../src/config.js';

const STRONG = 'k'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('takes a Redis Cluster as REDIS_URL, and refuses what is neither Redis nor a cluster', () => {
    expect(problemsOf({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' })).toEqual([]);
    expect(problemsOf({ REDIS_URL: 'rediss+cluster://default:pw@cache.example:6380' })).toEqual([]);
    for (const bad of [
      'redis+cluster://',
      'redis+cluster://a:1,,b:2',
      'redis+cluster://a:99999',
      'cluster://a:1',
    ]) {
      expect(problemsOf({ REDIS_URL: bad }), bad).toEqual([
        'REDIS_URL: must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port',
      ]);
    }
  });

  it('reads WORKER_SHARDS as shard numbers and ranges, each among QUEUE_SHARDS', () => {
    expect(loadConfig({ QUEUE_SHARDS: '8', WORKER_SHARDS: '0-2,6,2' }).WORKER_SHARDS).toEqual([0, 1, 2, 6]);
    expect(loadConfig({}).WORKER_SHARDS).toBeUndefined();
    expect(problemsOf({ QUEUE_SHARDS: '4', WORKER_SHARDS: '3-5' })).toEqual([
      'WORKER_SHARDS: no shard 4, 5 among QUEUE_SHARDS=4 (numbered from 0)',
    ]);
    for (const bad of ['x', '1-', '3-1', '0,,1']) {
      expect(
        problemsOf({ QUEUE_SHARDS: '4', WORKER_SHARDS: bad }).map((problem) => problem.split(':')[0]),
        bad,
      ).toEqual(['WORKER_SHARDS']);
    }
  });

  it('has the documented defaults outside production', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      // A URL without a user connects as the operating-system user, as psql does (USER is not read).
      DATABASE_URL: `postgres://${userInfo().username}@127.0.0.1:5432/armory`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'armory',
      ADMIN_API_KEY: 'dev-admin-key',
      SERVER_API_KEY: 'dev-server-key',
      PLAYER_JWT_SECRET: 'dev-player-secret',
      WEBHOOK_SECRET_STEAM: 'dev-webhook-secret',
      LOG_LEVEL: 'info',
    });
  });

  it('names every bad variable, one problem each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'not a url',
      REDIS_URL: 'http://x',
      WORKER_CONCURRENCY: '0',
    });
    expect(problems).toHaveLength(4);
    for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'WORKER_CONCURRENCY']) {
      expect(problems.some((problem) => problem.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('requires every secret in production instead of defaulting it', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ADMIN_API_KEY: STRONG });
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(
      [
        'PLAYER_JWT_SECRET',
        'SERVER_API_KEY',
        'WEBHOOK_SECRET_PSN',
        'WEBHOOK_SECRET_STEAM',
        'WEBHOOK_SECRET_XBOX',
      ].sort(),
    );
  });

  it('refuses, in production, a secret under 32 bytes or a placeholder', () => {
    const strong = Object.fromEntries(SECRET_NAMES.map((name) => [name, STRONG]));
    expect(problemsOf({ NODE_ENV: 'production', ...strong })).toEqual([]);

    const problems = problemsOf({
      NODE_ENV: 'production',
      ...strong,
      ADMIN_API_KEY: 'x'.repeat(31),
      SERVER_API_KEY: `change-me-server-${'x'.repeat(40)}`,
      PLAYER_JWT_SECRET: `dev-player-secret-${'x'.repeat(40)}`,
    });
    expect(problems).toEqual([
      'ADMIN_API_KEY: must be at least 32 bytes in production',
      'SERVER_API_KEY: is a placeholder (change-me-*, dev-*); set a random secret',
      'PLAYER_JWT_SECRET: is a placeholder (change-me-*, dev-*); set a random secret',
    ]);
    // Outside production the development defaults and short keys stay allowed.
    expect(problemsOf({ ADMIN_API_KEY: 'short' })).toEqual([]);
  });

  it('refuses a QUEUE_PREFIX with a hash tag of its own on a Redis Cluster or when the queue has shards', () => {
    const refused =
      'QUEUE_PREFIX: may hold no { } on a Redis Cluster or with QUEUE_SHARDS over 1 (each queue adds its own hash tag)';
    expect(problemsOf({ QUEUE_SHARDS: '4', QUEUE_PREFIX: '{armory}' })).toEqual([refused]);
    expect(problemsOf({ REDIS_URL: 'redis+cluster://10.0.0.1:7000', QUEUE_PREFIX: 'a{b}' })).toEqual([
      refused,
    ]);
    expect(problemsOf({ QUEUE_SHARDS: '1', QUEUE_PREFIX: '{armory}' })).toEqual([]);
    expect(problemsOf({ QUEUE_SHARDS: '0' }).map((problem) => problem.split(':')[0])).toEqual([
      'QUEUE_SHARDS',
    ]);
  });

  it('names the database user from PGUSER, or keeps the one the URL gives', () => {
    expect(loadConfig({ PGUSER: 'armory' }).DATABASE_URL).toBe('postgres://armory@127.0.0.1:5432/armory');
    expect(
      loadConfig({ PGUSER: 'armory', DATABASE_URL: 'postgres://owner:pw@db:5432/game' }).DATABASE_URL,
    ).toBe('postgres://owner:pw@db:5432/game');
  });

  it('.env.example lists every variable the service reads, each with its default', () => {
    const lines = readFileSync('.env.example', 'utf8').split('\n');
    const listed = new Map(
      lines.flatMap((line) => {
        const match = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        return match ? [[match[1]!, match[2]!] as const] : [];
      }),
    );
    expect([...listed.keys()].sort()).toEqual([...CONFIG_NAMES].sort());
    const defaults: Record<string, string | number | number[] | undefined> = {
      ...loadConfig({}),
      DATABASE_URL: 'postgres://127.0.0.1:5432/armory',
    };
    for (const [name, value] of listed) {
      expect(value, name).toBe(defaults[name] === undefined ? '' : String(defaults[name]));
    }
  });

  it('reads .env from the working directory at startup; a variable the environment sets wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'armory-env-'));
    writeFileSync(path.join(dir, '.env'), 'PORT=abc\nLOG_LEVEL=loud\n');
    const start = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.resolve('src/api/main.ts')], {
        cwd: dir,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const fromFile = start({});
    expect(fromFile.status).toBe(1);
    expect(fromFile.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^armory: bad environment: PORT: /),
      expect.stringMatching(/^armory: bad environment: LOG_LEVEL: /),
    ]);
    const environmentWins = start({ LOG_LEVEL: 'info', PORT: 'still-bad' });
    expect(environmentWins.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^armory: bad environment: PORT: /),
    ]);
  });

  it('stops the process at startup with one clear line per bad variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      env: { PATH: process.env.PATH, PORT: 'abc', REDIS_URL: 'nope' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^armory: bad environment: PORT: /);
    expect(lines[1]).toMatch(/^armory: bad environment: REDIS_URL: /);
  });
});
