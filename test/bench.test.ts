import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

// Not a timed test: it checks only that a tiny benchmark run completes and writes its results.
it(
  'npm run bench --quick completes and writes latest.json with every figure',
  { timeout: 180_000 },
  async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'armory-bench-'));
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/run.ts',
        '--quick',
        '--duration=1',
        '--players=200',
        '--backlog=40',
        '--clients=4',
        '--worker-concurrency=4',
        `--out=${out}`,
      ],
      { env: { ...process.env, NODE_ENV: 'development' }, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const results = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining(['armory', 'baselines', 'ratios', 'p99_accept_to_final_ms']),
    );
    expect(results.armory.accept.per_second).toBeGreaterThan(0);
    expect(results.armory.processing.orders_per_second).toBeGreaterThan(0);
    expect(results.armory.scaling).toHaveLength(4);
    for (const baseline of ['bare_express', 'minimal_accept', 'empty_worker', 'raw_worker']) {
      expect(results.baselines[baseline]).toBeDefined();
    }
    expect(typeof results.ratios.accept_vs_minimal).toBe('number');
    expect(typeof results.ratios.processed_vs_raw_worker).toBe('number');
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('Armory processing');
  },
);
