import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BADGE, baseCatalog, GEMS, SHIELD, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';

/**
 * The inventory entries (create_new_*_inventory, update_*_inventory, update_inventory) through the
 * real service: records as the worker stores them and the API reads them back, across orders and
 * players. Every rule and result code of these entry types is tested on the engine alone
 * (test/domain/entries/create-inventory.test.ts and update-inventory.test.ts).
 */

const MAX_COUNT = 2_147_483_647;
const RECORD_CAP = 3500;

type Entry = Record<string, unknown>;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

/** Submits one order (server key, waits for the final state) and answers it. */
async function run(player: string, entries: Entry[], order: Record<string, unknown> = {}) {
  const response = await h.submit({ player_uuid: player, ...order, entries });
  expect(response.status).toBe(200);
  return response.body;
}

/** Submits an order of one entry and answers that entry (result, details). */
async function runOne(player: string, entry: Entry, order: Record<string, unknown> = {}) {
  const body = await run(player, [entry], order);
  return body.entries[0];
}

/** Everything the player holds, expired records included: what a failure must leave as it was. */
const everything = (player: string) => h.inventory(player, '&include_expired=true');
const storedRecords = async (player: string) =>
  (await everything(player)).filter((r) => r.type !== 'always_owned');

/** Runs one entry that must fail with `code`, and checks the inventory did not change at all. */
async function expectFailure(
  player: string,
  entry: Entry,
  code: string,
  order: Record<string, unknown> = {},
) {
  const before = await everything(player);
  const body = await run(player, [entry], order);
  expect(body.status).toBe('failed');
  expect(body.entries[0].result).toBe(code);
  expect(body.entries[0].details).toEqual([]);
  expect(await everything(player)).toEqual(before);
  return body.entries[0];
}

/** Creates one record through the API and answers it as the inventory read shows it. */
async function seed(player: string, fields: Entry = {}, type = 'create_new_persistent_inventory') {
  const entry = await runOne(player, { type, item_id: SWORD, quantity: 5, ...fields });
  expect(entry.result).toBe('success');
  const created = entry.details[0].inv_change.after as InventoryRecord;
  const listed = (await storedRecords(player)).find((r) => r.inventory_id === created.inventory_id);
  expect(listed).toEqual(created);
  return created;
}

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const customAttributes = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, `value_${i}`]));

describe('create_new_*_inventory end to end', () => {
  it('creates one record; one inventory_change detail with before null and after the record', async () => {
    const player = newPlayer();
    const expires = inSeconds(3600);
    const entry = await runOne(player, {
      type: 'create_new_persistent_inventory',
      item_id: SWORD,
      quantity: 3,
      expires,
      custom_data: { colour: 'red' },
    });
    expect(entry.result).toBe('success');
    expect(entry.details).toHaveLength(1);
    const [detail] = entry.details;
    expect(detail.type).toBe('inventory_change');
    expect(detail.inv_change.before).toBeNull();
    expect(detail.inv_change.before_item_id).toBeNull();
    expect(detail.inv_change.after_item_id).toBe(SWORD);
    expect(detail.inv_change.after).toMatchObject({
      type: 'persistent',
      item_id: SWORD,
      count: 3,
      bucket: 'free',
      expires,
      custom_data: { colour: 'red' },
    });

    const records = await storedRecords(player);
    expect(records).toEqual([detail.inv_change.after]);
  });

  // The columns must hold what the engine allows: the largest count and the most attributes.
  it('accepts exactly 20 custom attributes and a count of exactly 2,147,483,647', async () => {
    const player = newPlayer();
    const entry = await runOne(player, {
      type: 'create_new_persistent_inventory',
      item_id: GEMS,
      quantity: MAX_COUNT,
      custom_data: customAttributes(20),
    });
    expect(entry.result).toBe('success');
    const records = await storedRecords(player);
    expect(records).toHaveLength(1);
    expect(records[0]!.count).toBe(MAX_COUNT);
    expect(Object.keys(records[0]!.custom_data)).toHaveLength(20);
  });

  // The cap counts every record the player has, so the worker must load all of them.
  it('failed_to_modify_inventory past the 3,500-record cap; the 3,500th record is still allowed', async () => {
    const seedRecords = async (player: string, n: number) => {
      await h.sql('insert into player (player_uuid, next_legacy_inventory_id) values (?, ?)', [
        player,
        n + 1,
      ]);
      await h.sql(
        `insert into inventory_record
                (inventory_id, player_uuid, legacy_inventory_id, item_id, type, bucket, count, acquired, expires, custom_data)
         select gen_random_uuid(), ?, g, ?, 'persistent', 'free', 1, now(), null, '{}'::jsonb
           from generate_series(1, ?) as g`,
        [player, SWORD, n],
      );
    };
    const countRecords = async (player: string) =>
      Number(
        (
          await h.sql<{ n: string }>('select count(*) as n from inventory_record where player_uuid = ?', [
            player,
          ])
        )[0]!.n,
      );

    const full = newPlayer();
    await seedRecords(full, RECORD_CAP);
    expect(await countRecords(full)).toBe(RECORD_CAP);
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      const body = await run(full, [{ type, item_id: SHIELD, quantity: 1 }]);
      expect(body.status).toBe('failed');
      expect(body.entries[0].result).toBe('failed_to_modify_inventory');
      expect(body.entries[0].details).toEqual([]);
    }
    expect(await h.inventory(full, `&item_id=${SHIELD}&include_expired=true`)).toEqual([]);
    expect(await countRecords(full)).toBe(RECORD_CAP);

    const almost = newPlayer();
    await seedRecords(almost, RECORD_CAP - 1);
    const entry = await runOne(almost, {
      type: 'create_new_persistent_inventory',
      item_id: SHIELD,
      quantity: 1,
    });
    expect(entry.result).toBe('success');
    expect(await h.inventory(almost, `&item_id=${SHIELD}`)).toEqual([entry.details[0].inv_change.after]);
    expect(await countRecords(almost)).toBe(RECORD_CAP);
  });
});

describe('update_*_inventory end to end', () => {
  it('quantity sets the count (update_existing_persistent_inventory)', async () => {
    const player = newPlayer();
    const record = await seed(player);
    const entry = await runOne(player, {
      type: 'update_existing_persistent_inventory',
      inventory_id: record.inventory_id,
      quantity: 42,
    });
    expect(entry.result).toBe('success');
    expect(entry.details).toHaveLength(1);
    expect(entry.details[0].type).toBe('inventory_change');
    expect(entry.details[0].inv_change).toEqual({
      before_item_id: SWORD,
      after_item_id: SWORD,
      before: record,
      after: { ...record, count: 42 },
    });
    expect(await storedRecords(player)).toEqual([{ ...record, count: 42 }]);
  });

  // Legacy ids are the player's counter, stored: one order's record is named by a later order.
  it('legacy_inventory_id names the record (update_inventory)', async () => {
    const player = newPlayer();
    await seed(player, { item_id: SHIELD });
    const record = await seed(player);
    expect(typeof record.legacy_inventory_id).toBe('number');
    const entry = await runOne(player, {
      type: 'update_inventory',
      legacy_inventory_id: record.legacy_inventory_id,
      quantity: 9,
      custom_data: { via: 'legacy' },
    });
    expect(entry.result).toBe('success');
    expect(entry.details[0].inv_change.before.inventory_id).toBe(record.inventory_id);
    const updated = (await storedRecords(player)).find((r) => r.inventory_id === record.inventory_id);
    expect(updated).toEqual({ ...record, count: 9, custom_data: { via: 'legacy' } });
    expect(await h.balance(player, SHIELD)).toBe(5);
  });

  it("inventory_not_found for another player's record, which stays as it was", async () => {
    const owner = newPlayer();
    const intruder = newPlayer();
    const record = await seed(owner);
    const transient = await seed(owner, {}, 'create_new_transient_inventory');
    const cases: [string, InventoryRecord][] = [
      ['update_existing_persistent_inventory', record],
      ['update_existing_transient_inventory', transient],
      ['update_inventory', record],
    ];
    for (const [type, target] of cases) {
      await expectFailure(
        intruder,
        { type, inventory_id: target.inventory_id, quantity: 1 },
        'inventory_not_found',
      );
      await expectFailure(
        intruder,
        { type, legacy_inventory_id: target.legacy_inventory_id, quantity: 1 },
        'inventory_not_found',
      );
    }
    expect(await storedRecords(owner)).toEqual([record, transient]);
    expect(await storedRecords(intruder)).toEqual([]);
  });
});

describe('reading the inventory', () => {
  it('an always-owned item (BADGE) shows for a player no order has touched: type always_owned, count 1', async () => {
    const player = newPlayer();
    const orders = await h.server('GET', `/v1/players/${player}/orders`);
    expect(orders.status).toBe(200);
    expect(orders.body.orders).toEqual([]);

    const inventory = await h.inventory(player);
    expect(inventory).toHaveLength(1);
    expect(inventory[0]).toMatchObject({ item_id: BADGE, type: 'always_owned', count: 1 });
    expect(await h.balance(player, BADGE)).toBe(1);
  });

  it('a record past its expires leaves the inventory read and shows with include_expired=true', async () => {
    const player = newPlayer();
    const expiresAt = Date.now() + 2000;
    const entry = await runOne(player, {
      type: 'create_new_persistent_inventory',
      item_id: SWORD,
      quantity: 4,
      expires: new Date(expiresAt).toISOString(),
    });
    expect(entry.result).toBe('success');
    const created = entry.details[0].inv_change.after as InventoryRecord;

    await sleep(Math.max(0, expiresAt - Date.now()) + 500);

    expect(await h.inventory(player, `&item_id=${SWORD}`)).toEqual([]);
    expect(await h.balance(player, SWORD)).toBe(0);
    expect(await h.inventory(player, `&item_id=${SWORD}&include_expired=true`)).toEqual([created]);
  });
});
