import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { runOps } from '../helpers/processes.js';

/**
 * The ops CLI's reading and catalog commands and its token helper, run as ops run them: a child
 * process against this file's database and queue, in text and with `--json`.
 */

let h: Harness;
const ops = (...args: string[]) => runOps(h.childEnv, args);
const opsJson = async (...args: string[]) => {
  const run = await ops('--json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

describe('help', () => {
  it('lists every command, and answers with neither PostgreSQL nor Redis reachable', async () => {
    const unreachable = { DATABASE_URL: 'postgres://127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };
    const help = await runOps(unreachable, ['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'orders:show',
      'orders:list',
      'orders:retry',
      'orders:retry-errored',
      'queue:stats',
      'player:history',
      'catalog:export',
      'catalog:import',
      'token',
    ]) {
      expect(help.stdout).toContain(command);
    }
    const commandHelp = await runOps(unreachable, ['player:history', '-h']);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toContain('--item-id');
  });
});

describe('orders and history', () => {
  it("orders:list filters by player and status, and player:history shows the player's changes", async () => {
    const player = newPlayer();
    const first = await h.submit(grantGems(player));
    const second = await h.submit(grantGems(player, 2));
    await h.submit(grantGems(newPlayer()));

    const listed = await opsJson('orders:list', '--player', player, '--status', 'succeeded');
    expect(listed.orders.map((order: { order_id: string }) => order.order_id)).toEqual([
      second.body.order_id,
      first.body.order_id,
    ]);
    const paged = await opsJson('orders:list', '--player', player, '--limit', '1');
    expect(paged.orders).toHaveLength(1);
    const next = await opsJson(
      'orders:list',
      '--player',
      player,
      '--limit',
      '1',
      '--cursor',
      paged.next_cursor,
    );
    expect(next.orders[0].order_id).toBe(first.body.order_id);
    const text = await ops('orders:list', '--player', player);
    expect(text.stdout).toMatch(new RegExp(`^${first.body.order_id}\\s+succeeded\\s+player ${player}`, 'm'));

    const history = await opsJson('player:history', player, '--item-id', String(GEMS));
    expect(
      history.history.map((change: { order_id: string; after: { count: number } }) => [
        change.order_id,
        change.after.count,
      ]),
    ).toEqual([
      [first.body.order_id, 100],
      [second.body.order_id, 300],
    ]);
    const historyText = await ops('player:history', player);
    expect(historyText.stdout).toMatch(
      new RegExp(`${second.body.order_id}\\s+fill_loot\\s+item ${GEMS}\\s+100 → 300`),
    );
  });

  it('refuses bad arguments with exit code 2, before connecting to anything', async () => {
    for (const args of [
      ['orders:list', '--status', 'lost'],
      ['orders:list', '--limit', '0'],
      ['player:history', 'not-a-uuid'],
      ['token'],
    ]) {
      const run = await ops(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('error:');
    }
  });
});

describe('the catalog', () => {
  it('exports the stored catalog and imports a changed copy, which the API then serves', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'armory-ops-'));
    const file = path.join(dir, 'catalog.json');
    const exported = await ops('catalog:export', file);
    expect(exported.code, exported.stderr).toBe(0);
    const catalog = JSON.parse(await readFile(file, 'utf8'));
    expect(catalog).toEqual((await h.admin('GET', '/v1/admin/catalog')).body);

    catalog.items.push({ id: 77, name: 'Lantern' });
    await writeFile(file, JSON.stringify(catalog));
    const imported = await ops('catalog:import', file);
    expect(imported.code, imported.stderr).toBe(0);
    const served = (await h.admin('GET', '/v1/admin/catalog')).body;
    expect(served.items).toContainEqual(expect.objectContaining({ id: 77, name: 'Lantern' }));
    expect(await opsJson('catalog:export')).toEqual(served);
  });

  it('refuses an invalid catalog with its problems, exit code 1, and changes nothing', async () => {
    const before = (await h.admin('GET', '/v1/admin/catalog')).body;
    const invalid = await runOps(
      h.childEnv,
      ['catalog:import', '-'],
      JSON.stringify({ items: [{ id: 'x' }] }),
    );
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/items\.0\.id: /);
    const notJson = await runOps(h.childEnv, ['catalog:import', '-'], '{');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('is not JSON');
    expect((await h.admin('GET', '/v1/admin/catalog')).body).toEqual(before);
  });
});

describe('token', () => {
  it("mints a player token the API accepts for that player's own routes", async () => {
    const player = newPlayer();
    await h.submit(grantGems(player));
    const minted = await ops('token', player);
    expect(minted.code, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    const mine = await h.request('GET', '/v1/me/inventory', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(mine.status).toBe(200);
    expect(mine.body.inventory).toContainEqual(expect.objectContaining({ item_id: GEMS, count: 100 }));
    const other = await h.request('GET', `/v1/players/${newPlayer()}/inventory`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(other.status).toBe(403);

    const expired = await opsJson('token', player, '--expires-in', '-1s');
    const refused = await h.request('GET', '/v1/me/inventory', {
      headers: { authorization: `Bearer ${expired.token}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error_code).toBe('token_expired');
  });
});
