import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

/**
 * The dashboards and alerts in ops/ hold to what Armory exports: promtool finds the rules, config
 * and the /metrics text clean, the alerts fire when they should (alerts.test.yml), and every
 * metric the dashboard and the rules read is one a running Armory exports.
 */

const run = promisify(execFile);
const promtool = (...args: string[]) => run('promtool', args);

let h: Harness;
let exposition: string;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog, env: { SWEEP_INTERVAL_MS: '100' } });
  await h.submit(grantGems(newPlayer()));
  await until(async () => {
    exposition = (await h.request('GET', '/metrics')).body as string;
    return exposition.includes('armory_sweeper_runs_total{outcome="ok"}');
  }, 'a sweeper round to be counted');
});
afterAll(() => h.close());

/** The metric names a PromQL text reads (histogram series by their base name). */
const metricsRead = (promql: string) =>
  [...promql.matchAll(/\b((?:armory|process|nodejs)_[a-z0-9_]+)/g)].map((match) =>
    match[1]!.replace(/_(bucket|count|sum)$/, ''),
  );
const exported = () => new Set([...exposition.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!));

describe('Prometheus', () => {
  it('promtool finds the config and its alert rules valid', async () => {
    const { stdout } = await promtool('check', 'config', 'ops/prometheus/prometheus.yml');
    expect(stdout).toContain('SUCCESS: 1 rule files found');
    expect((await promtool('check', 'rules', 'ops/prometheus/alerts.yml')).stdout).toContain(
      'SUCCESS: 8 rules found',
    );
  });

  it('the alerts fire, and stay quiet, as alerts.test.yml expects', async () => {
    const { stdout } = await promtool('test', 'rules', 'ops/prometheus/alerts.test.yml');
    expect(stdout).toContain('SUCCESS');
  });

  it("promtool check metrics finds nothing to say about Armory's /metrics", async () => {
    const check = execFile('promtool', ['check', 'metrics']);
    const output = new Promise<{ code: number | null; text: string }>((resolve) => {
      let text = '';
      check.stdout!.on('data', (chunk: string) => (text += chunk));
      check.stderr!.on('data', (chunk: string) => (text += chunk));
      check.on('close', (code) => resolve({ code, text }));
    });
    check.stdin!.end(exposition);
    expect(await output).toEqual({ code: 0, text: '' });
  });

  it('every metric the alert rules read is exported', () => {
    const rules = readFileSync('ops/prometheus/alerts.yml', 'utf8');
    const read = metricsRead(rules);
    expect(read.length).toBeGreaterThan(0);
    for (const name of new Set(read.filter((name) => name.startsWith('armory_')))) {
      expect(exported(), name).toContain(name);
    }
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync('ops/grafana/armory-dashboard.json', 'utf8')) as {
    uid: string;
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
  };

  it('reads only metrics a running Armory exports', () => {
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const name of new Set(exprs.flatMap(metricsRead))) expect(exported(), name).toContain(name);
  });

  it('shows errored orders, queue depth, accept → final latency and the sweeper', () => {
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase());
    for (const topic of ['errored', 'queue', 'accept → final', 'sweeper']) {
      expect(
        titles.some((title) => title.includes(topic)),
        topic,
      ).toBe(true);
    }
  });

  it('is the one docker-compose.observability.yml provisions', () => {
    const compose = readFileSync('docker-compose.observability.yml', 'utf8');
    expect(compose).toContain('./ops/grafana/armory-dashboard.json:/etc/grafana/dashboards/armory.json');
    expect(compose).toContain('./ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml');
    expect(readFileSync('ops/grafana/provisioning/dashboards/armory.yml', 'utf8')).toContain(
      'path: /etc/grafana/dashboards',
    );
  });
});
