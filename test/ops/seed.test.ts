import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { CliRun } from '../helpers/processes.js';

/** `npm run seed` against a running Armory: a demo catalog and players, the same when run again. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({});
});
afterAll(() => h.close());

const seed = (url: string) =>
  new Promise<CliRun>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/seed.ts', '--url', url],
      { env: { ...process.env, ...h.childEnv } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });

it('loads a demo catalog and three players with a grant and a purchase applied; a second run changes nothing', async () => {
  const first = await seed(h.baseUrl);
  expect(first.code, first.stderr).toBe(0);
  const players = [
    ...first.stdout.matchAll(/^player (\w+)\s+([0-9a-f-]{36}) {2}order demo-welcome-\1: succeeded$/gm),
  ].map((match) => match[2]!);
  expect(players).toHaveLength(3);
  const catalog = (await h.admin('GET', '/v1/admin/catalog')).body;
  expect(catalog.promotions).toEqual([expect.objectContaining({ code: 'WELCOME' })]);
  const holdings = async () =>
    Promise.all(
      players.map(async (player) =>
        (await h.inventory(player)).map((record) => [record.item_id, record.count]).sort(),
      ),
    );
  const before = await holdings();
  // 100 gems less 50 for the sword, 500 gold, one sword.
  for (const held of before)
    expect(held).toEqual(
      [
        [1, 50],
        [10, 1],
        [2, 500],
      ].sort(),
    );

  const again = await seed(h.baseUrl);
  expect(again.code, again.stderr).toBe(0);
  expect(await holdings()).toEqual(before);
  expect(await h.orderCount()).toBe(3);
});

it('says plainly when no Armory answers', async () => {
  const run = await seed('http://127.0.0.1:1');
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^seed: no Armory answers at http:\/\/127\.0\.0\.1:1/);
});
