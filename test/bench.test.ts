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
        '--redis-cluster',
        `--out=${out}`,
      ],
      { env: { ...process.env, NODE_ENV: 'development' }, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const results = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining([
        'armory',
        'baselines',
        'ratios',
        'goals',
        'p99_accept_to_final_ms',
        'capacity_vs_naive',
      ]),
    );
    expect(results.armory.accept.per_second).toBeGreaterThan(0);
    expect(results.armory.processing.orders_per_second).toBeGreaterThan(0);
    expect(results.armory.processing_hot_player.orders_per_second).toBeGreaterThan(0);
    expect(results.armory.processing_events_out.events_per_second).toBeGreaterThan(0);
    expect(results.armory.processing_events_out.without_events_orders_per_second).toBeGreaterThan(0);
    // Quick mode: 1 and 2 worker processes, at concurrency 4 only (--worker-concurrency=4).
    expect(results.armory.scaling).toHaveLength(2);
    // --redis-cluster: the same passes on a loopback Redis Cluster, beside the single-Redis ones.
    expect(results.armory.redis_cluster.rows.map((row: { processes: number }) => row.processes)).toEqual([
      1, 2,
    ]);
    for (const row of results.armory.redis_cluster.rows) {
      expect(row.cluster_orders_per_second).toBeGreaterThan(0);
      expect(row.single_redis_orders_per_second).toBeGreaterThan(0);
    }
    for (const baseline of [
      'bare_express',
      'minimal_accept',
      'empty_worker',
      'raw_worker',
      'naive_pipeline',
    ]) {
      expect(results.baselines[baseline]).toBeDefined();
    }
    // A 2-step capacity search on each pipeline, whatever rates pass on the machine running it.
    expect(results.armory.capacity.steps).toHaveLength(2);
    expect(results.baselines.naive_pipeline.steps).toHaveLength(2);
    for (const ratio of [
      'accept_vs_minimal',
      'processed_vs_raw_worker',
      'capacity_vs_naive',
      'zipf_vs_uniform',
      'hot_player_vs_uniform',
    ]) {
      expect(typeof results.ratios[ratio]).toBe('number');
    }
    expect(typeof results.capacity_vs_naive).toBe('number');
    // Synchronous writes, native and through /playfab, each answered (2xx) and without errors.
    for (const api of ['native', 'playfab', 'lootlocker']) {
      for (const load of ['closed', 'at_half']) {
        expect(results.armory.sync_writes[api][load].per_second, `${api} ${load}`).toBeGreaterThan(0);
        expect(results.armory.sync_writes[api][load].errors, `${api} ${load}`).toBe(0);
      }
    }
    const markdown = readFileSync(path.join(out, 'latest.md'), 'utf8');
    expect(markdown).toContain('Armory processing');
    expect(markdown).toContain('end-to-end capacity');
    expect(markdown).toContain('PlayFab `/playfab`');
    expect(markdown).toContain('LootLocker `/lootlocker`');
  },
);
