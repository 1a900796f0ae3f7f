import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BADGE, baseCatalog, CROWN, GEMS, OLD_ITEM, SHIELD, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness, type InventoryRecord } from '../helpers/harness.js';

/**
 * Contract section 5, "Entry processing": create_new_persistent_inventory,
 * create_new_transient_inventory, update_existing_persistent_inventory,
 * update_existing_transient_inventory and update_inventory, with the bucket and grant rules.
 */

/** A loot of this file's own that a player client may fill: the only grant a CLIENT order can make. */
const CLIENT_SWORD_LOOT = 1000;
const MISSING_ITEM = 999_999;
const MAX_COUNT = 2_147_483_647;
const RECORD_CAP = 3500;

type Entry = Record<string, unknown>;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await h.putCatalog(baseCatalog)).status).toBe(200);
  const own = await h.putCatalog({
    loot: [
      {
        id: CLIENT_SWORD_LOOT,
        name: 'Client-fillable sword',
        fillable_from_client: true,
        contents: [{ item_id: SWORD, quantity: 1 }],
      },
    ],
  });
  expect(own.status).toBe(200);
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

const badgeRecord = async (player: string) => {
  const [badge] = await h.inventory(player, `&item_id=${BADGE}`);
  expect(badge).toBeDefined();
  return badge!;
};

describe('create_new_persistent_inventory / create_new_transient_inventory: success', () => {
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

  it('create_new_transient_inventory makes a transient record', async () => {
    const player = newPlayer();
    const entry = await runOne(player, {
      type: 'create_new_transient_inventory',
      item_id: SHIELD,
      quantity: 2,
    });
    expect(entry.result).toBe('success');
    expect(entry.details).toHaveLength(1);
    expect(entry.details[0].inv_change.before).toBeNull();
    expect(entry.details[0].inv_change.after).toMatchObject({
      type: 'transient',
      item_id: SHIELD,
      count: 2,
      expires: null,
      custom_data: {},
    });
    expect(await storedRecords(player)).toEqual([entry.details[0].inv_change.after]);
  });

  it('makes a record of its own each time, even for an item already held', async () => {
    const player = newPlayer();
    const first = await seed(player, { quantity: 1 });
    const second = await seed(player, { quantity: 2 });
    expect(second.inventory_id).not.toBe(first.inventory_id);
    const records = await storedRecords(player);
    expect(records.map((r) => r.count)).toEqual([1, 2]);
    expect(await h.balance(player, SWORD)).toBe(3);
  });

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
});

describe('create_new_*_inventory: failures change nothing', () => {
  it('permission_denied when the source is CLIENT (both types)', async () => {
    const player = newPlayer();
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(player, { type, item_id: SWORD, quantity: 1 }, 'permission_denied', {
        source: 'CLIENT',
      });
    }
    expect(await storedRecords(player)).toEqual([]);
  });

  it('item_not_found for an item the catalog does not have', async () => {
    const player = newPlayer();
    await seed(player);
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(player, { type, item_id: MISSING_ITEM, quantity: 1 }, 'item_not_found');
    }
    expect(await h.inventory(player, `&item_id=${MISSING_ITEM}`)).toEqual([]);
  });

  it('item_not_active for an inactive item', async () => {
    const player = newPlayer();
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(player, { type, item_id: OLD_ITEM, quantity: 1 }, 'item_not_active');
    }
    expect(await storedRecords(player)).toEqual([]);
  });

  it('available_until_is_in_past when expires is in the past', async () => {
    const player = newPlayer();
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(
        player,
        { type, item_id: SWORD, quantity: 1, expires: inSeconds(-60) },
        'available_until_is_in_past',
      );
    }
    expect(await storedRecords(player)).toEqual([]);
  });

  it('too_many_inv_custom_attributes with 21 custom_data keys', async () => {
    const player = newPlayer();
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(
        player,
        { type, item_id: SWORD, quantity: 1, custom_data: customAttributes(21) },
        'too_many_inv_custom_attributes',
      );
    }
    expect(await storedRecords(player)).toEqual([]);
  });

  // A quantity of 0 or below never reaches the engine: it is a 422 (test/api/bad-input.test.ts).

  it('failed_to_modify_inventory for a count above 2,147,483,647', async () => {
    const player = newPlayer();
    for (const type of ['create_new_persistent_inventory', 'create_new_transient_inventory']) {
      await expectFailure(
        player,
        { type, item_id: GEMS, quantity: MAX_COUNT + 1 },
        'failed_to_modify_inventory',
      );
    }
    expect(await storedRecords(player)).toEqual([]);
  });

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

describe('buckets', () => {
  it('use_inventory_bucket is honoured for server sources', async () => {
    const player = newPlayer();
    const noSource = await runOne(player, {
      type: 'create_new_persistent_inventory',
      item_id: SWORD,
      quantity: 1,
      use_inventory_bucket: 'psn',
    });
    expect(noSource.result).toBe('success');
    const system = await runOne(
      player,
      { type: 'create_new_transient_inventory', item_id: SHIELD, quantity: 1, use_inventory_bucket: 'apple' },
      { source: 'SYSTEM' },
    );
    expect(system.result).toBe('success');
    const steam = await runOne(
      player,
      { type: 'create_new_persistent_inventory', item_id: GEMS, quantity: 1, use_inventory_bucket: 'epic' },
      { source: 'STEAM' },
    );
    expect(steam.result).toBe('success');

    const buckets = Object.fromEntries((await storedRecords(player)).map((r) => [r.item_id, r.bucket]));
    expect(buckets).toEqual({ [SWORD]: 'psn', [SHIELD]: 'apple', [GEMS]: 'epic' });
  });

  it('use_inventory_bucket is ignored for CLIENT (a client-fillable grant lands in free; a client create is refused)', async () => {
    const player = newPlayer();
    const filled = await runOne(
      player,
      { type: 'fill_loot', loot_id: CLIENT_SWORD_LOOT, quantity: 1, use_inventory_bucket: 'steam' },
      { source: 'CLIENT' },
    );
    expect(filled.result).toBe('success');
    expect(filled.details[0].inv_change.after.bucket).toBe('free');
    await expectFailure(
      player,
      { type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 1, use_inventory_bucket: 'steam' },
      'permission_denied',
      { source: 'CLIENT' },
    );
    const records = await storedRecords(player);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ item_id: SWORD, count: 1, bucket: 'free' });
    expect(await h.inventory(player, '&bucket=steam')).toEqual([]);
  });

  it('without use_inventory_bucket: STEAM → steam, XBOX → xbox_live, no source → free', async () => {
    const player = newPlayer();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ source: 'STEAM' }, SWORD, 'steam'],
      [{ source: 'XBOX' }, SHIELD, 'xbox_live'],
      [{}, GEMS, 'free'],
    ];
    for (const [order, itemId] of cases) {
      const entry = await runOne(
        player,
        { type: 'create_new_persistent_inventory', item_id: itemId, quantity: 1 },
        order,
      );
      expect(entry.result).toBe('success');
    }
    const records = await storedRecords(player);
    for (const [, itemId, bucket] of cases) {
      expect(records.filter((r) => r.item_id === itemId).map((r) => r.bucket)).toEqual([bucket]);
      expect(await h.inventory(player, `&bucket=${bucket}&item_id=${itemId}`)).toHaveLength(1);
    }
  });
});

describe('unique and always-owned items', () => {
  it('a unique item (CROWN) created twice is held once, count 1', async () => {
    const player = newPlayer();
    const first = await runOne(player, {
      type: 'create_new_persistent_inventory',
      item_id: CROWN,
      quantity: 3,
    });
    expect(first.result).toBe('success');
    const afterFirst = await h.inventory(player, `&item_id=${CROWN}`);
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]!.count).toBe(1);

    // Granting what is already held changes nothing (the code answers success with no details).
    const second = await runOne(player, {
      type: 'create_new_transient_inventory',
      item_id: CROWN,
      quantity: 1,
    });
    expect(second.result).toBe('success');
    expect(second.details).toEqual([]);
    expect(await h.inventory(player, `&item_id=${CROWN}`)).toEqual(afterFirst);
  });

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
});

describe('update_*_inventory: success', () => {
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

  it('item_id changes the item (before_item_id / after_item_id)', async () => {
    const player = newPlayer();
    const record = await seed(player);
    const entry = await runOne(player, {
      type: 'update_inventory',
      inventory_id: record.inventory_id,
      item_id: SHIELD,
    });
    expect(entry.result).toBe('success');
    expect(entry.details).toHaveLength(1);
    expect(entry.details[0].inv_change.before_item_id).toBe(SWORD);
    expect(entry.details[0].inv_change.after_item_id).toBe(SHIELD);
    expect(entry.details[0].inv_change.before).toEqual(record);
    expect(entry.details[0].inv_change.after).toEqual({ ...record, item_id: SHIELD });
    expect(await storedRecords(player)).toEqual([{ ...record, item_id: SHIELD }]);
    expect(await h.balance(player, SWORD)).toBe(0);
    expect(await h.balance(player, SHIELD)).toBe(5);
  });

  it('expires changes the expiry', async () => {
    const player = newPlayer();
    const record = await seed(player);
    const expires = inSeconds(7200);
    const entry = await runOne(player, {
      type: 'update_inventory',
      inventory_id: record.inventory_id,
      expires,
    });
    expect(entry.result).toBe('success');
    expect(entry.details[0].inv_change.after).toEqual({ ...record, expires });
    expect(await storedRecords(player)).toEqual([{ ...record, expires }]);
  });

  it('custom_data replaces the whole map; a field left out is left as it is', async () => {
    const player = newPlayer();
    const record = await seed(player, { custom_data: { a: '1', b: '2' } });
    const entry = await runOne(player, {
      type: 'update_existing_persistent_inventory',
      inventory_id: record.inventory_id,
      custom_data: { c: '3' },
    });
    expect(entry.result).toBe('success');
    const expected = { ...record, custom_data: { c: '3' } };
    expect(entry.details[0].inv_change.after).toEqual(expected);
    const records = await storedRecords(player);
    expect(records).toEqual([expected]);
    expect(records[0]!.count).toBe(5);
  });

  it('quantity 0 removes the record (detail after null)', async () => {
    const player = newPlayer();
    const record = await seed(player);
    const entry = await runOne(player, {
      type: 'update_inventory',
      inventory_id: record.inventory_id,
      quantity: 0,
    });
    expect(entry.result).toBe('success');
    expect(entry.details).toHaveLength(1);
    expect(entry.details[0].inv_change).toEqual({
      before_item_id: SWORD,
      after_item_id: null,
      before: record,
      after: null,
    });
    expect(await storedRecords(player)).toEqual([]);
  });

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

  it('update_existing_transient_inventory updates a transient record; update_inventory takes either type', async () => {
    const player = newPlayer();
    const transient = await seed(player, {}, 'create_new_transient_inventory');
    const persistent = await seed(player, { item_id: SHIELD });
    const typed = await runOne(player, {
      type: 'update_existing_transient_inventory',
      inventory_id: transient.inventory_id,
      quantity: 7,
    });
    expect(typed.result).toBe('success');
    const anyOne = await runOne(player, {
      type: 'update_inventory',
      inventory_id: transient.inventory_id,
      quantity: 8,
    });
    expect(anyOne.result).toBe('success');
    const anyTwo = await runOne(player, {
      type: 'update_inventory',
      inventory_id: persistent.inventory_id,
      quantity: 6,
    });
    expect(anyTwo.result).toBe('success');
    expect(await storedRecords(player)).toEqual([
      { ...transient, count: 8 },
      { ...persistent, count: 6 },
    ]);
  });

  it('a CLIENT may change custom_data alone', async () => {
    const player = newPlayer();
    const record = await seed(player, { custom_data: { skin: 'plain' } });
    const entry = await runOne(
      player,
      { type: 'update_inventory', inventory_id: record.inventory_id, custom_data: { skin: 'gold' } },
      { source: 'CLIENT' },
    );
    expect(entry.result).toBe('success');
    expect(await storedRecords(player)).toEqual([{ ...record, custom_data: { skin: 'gold' } }]);
  });
});

describe('update_*_inventory: failures change nothing', () => {
  const UPDATE_TYPES = [
    'update_existing_persistent_inventory',
    'update_existing_transient_inventory',
    'update_inventory',
  ];

  it('inventory_not_found for an inventory_id that does not exist', async () => {
    const player = newPlayer();
    await seed(player);
    for (const type of UPDATE_TYPES) {
      await expectFailure(player, { type, inventory_id: randomUUID(), quantity: 1 }, 'inventory_not_found');
    }
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

  it('inventory_not_found for the wrong type with the typed variants', async () => {
    const player = newPlayer();
    const persistent = await seed(player);
    const transient = await seed(player, { item_id: SHIELD }, 'create_new_transient_inventory');
    await expectFailure(
      player,
      { type: 'update_existing_transient_inventory', inventory_id: persistent.inventory_id, quantity: 1 },
      'inventory_not_found',
    );
    await expectFailure(
      player,
      { type: 'update_existing_persistent_inventory', inventory_id: transient.inventory_id, quantity: 1 },
      'inventory_not_found',
    );
    await expectFailure(
      player,
      {
        type: 'update_existing_persistent_inventory',
        legacy_inventory_id: transient.legacy_inventory_id,
        quantity: 1,
      },
      'inventory_not_found',
    );
    expect(await storedRecords(player)).toEqual([persistent, transient]);
  });

  it('inventory_not_found for a legacy_inventory_id that does not exist', async () => {
    const player = newPlayer();
    const record = await seed(player);
    for (const type of UPDATE_TYPES) {
      await expectFailure(
        player,
        { type, legacy_inventory_id: record.legacy_inventory_id! + 1000, quantity: 1 },
        'inventory_not_found',
      );
    }
  });

  it('always_owned_inventory_cannot_be_modified for update_inventory on the always-owned record', async () => {
    const player = newPlayer();
    const badge = await badgeRecord(player);
    expect(badge.type).toBe('always_owned');
    const attempts: Entry[] = [
      { quantity: 5 },
      { quantity: 0 },
      { custom_data: { x: 'y' } },
      { item_id: SWORD },
      { expires: inSeconds(600) },
    ];
    for (const change of attempts) {
      await expectFailure(
        player,
        { type: 'update_inventory', inventory_id: badge.inventory_id, ...change },
        'always_owned_inventory_cannot_be_modified',
      );
    }
    // From a client too: the always-owned rule is checked before the permission rule.
    await expectFailure(
      player,
      { type: 'update_inventory', inventory_id: badge.inventory_id, custom_data: { x: 'y' } },
      'always_owned_inventory_cannot_be_modified',
      { source: 'CLIENT' },
    );
    expect(await badgeRecord(player)).toEqual(badge);
  });

  it('the typed update variants answer inventory_not_found for the always-owned record (wrong type)', async () => {
    const player = newPlayer();
    const badge = await badgeRecord(player);
    for (const type of ['update_existing_persistent_inventory', 'update_existing_transient_inventory']) {
      await expectFailure(
        player,
        { type, inventory_id: badge.inventory_id, quantity: 3 },
        'inventory_not_found',
      );
    }
    expect(await badgeRecord(player)).toEqual(badge);
  });

  it('permission_denied for CLIENT changing quantity, item_id or expires', async () => {
    const player = newPlayer();
    const record = await seed(player, { custom_data: { k: 'v' } });
    const changes: Entry[] = [
      { quantity: 99 },
      { quantity: 0 },
      { item_id: SHIELD },
      { expires: inSeconds(600) },
      { quantity: 99, custom_data: { k: 'w' } },
    ];
    for (const type of UPDATE_TYPES.filter((t) => t !== 'update_existing_transient_inventory')) {
      for (const change of changes) {
        await expectFailure(
          player,
          { type, inventory_id: record.inventory_id, ...change },
          'permission_denied',
          { source: 'CLIENT' },
        );
      }
    }
    expect(await storedRecords(player)).toEqual([record]);
  });

  it('item_not_found / item_not_active when item_id names a missing or inactive item', async () => {
    const player = newPlayer();
    const record = await seed(player);
    for (const type of ['update_existing_persistent_inventory', 'update_inventory']) {
      await expectFailure(
        player,
        { type, inventory_id: record.inventory_id, item_id: MISSING_ITEM },
        'item_not_found',
      );
      await expectFailure(
        player,
        { type, inventory_id: record.inventory_id, item_id: OLD_ITEM },
        'item_not_active',
      );
    }
    expect(await storedRecords(player)).toEqual([record]);
  });

  it('available_until_is_in_past when expires is in the past', async () => {
    const player = newPlayer();
    const record = await seed(player);
    const transient = await seed(player, { item_id: SHIELD }, 'create_new_transient_inventory');
    await expectFailure(
      player,
      {
        type: 'update_existing_persistent_inventory',
        inventory_id: record.inventory_id,
        expires: inSeconds(-60),
      },
      'available_until_is_in_past',
    );
    await expectFailure(
      player,
      {
        type: 'update_existing_transient_inventory',
        inventory_id: transient.inventory_id,
        expires: inSeconds(-60),
      },
      'available_until_is_in_past',
    );
    await expectFailure(
      player,
      { type: 'update_inventory', inventory_id: record.inventory_id, quantity: 2, expires: inSeconds(-60) },
      'available_until_is_in_past',
    );
    expect(await storedRecords(player)).toEqual([record, transient]);
  });

  it('too_many_inv_custom_attributes with 21 custom_data keys', async () => {
    const player = newPlayer();
    const record = await seed(player, { custom_data: { keep: 'me' } });
    const transient = await seed(player, { item_id: SHIELD }, 'create_new_transient_inventory');
    const cases: [string, InventoryRecord][] = [
      ['update_existing_persistent_inventory', record],
      ['update_existing_transient_inventory', transient],
      ['update_inventory', record],
    ];
    for (const [type, target] of cases) {
      await expectFailure(
        player,
        { type, inventory_id: target.inventory_id, custom_data: customAttributes(21) },
        'too_many_inv_custom_attributes',
      );
    }
    // From a client changing custom_data alone, the limit holds too.
    await expectFailure(
      player,
      { type: 'update_inventory', inventory_id: record.inventory_id, custom_data: customAttributes(21) },
      'too_many_inv_custom_attributes',
      { source: 'CLIENT' },
    );
    expect(await storedRecords(player)).toEqual([record, transient]);
  });

  // A negative count never reaches the engine: it is a 422 (test/api/bad-input.test.ts).
  it('failed_to_modify_inventory when quantity would set a count above 2,147,483,647', async () => {
    const player = newPlayer();
    const record = await seed(player);
    for (const quantity of [MAX_COUNT + 1]) {
      await expectFailure(
        player,
        { type: 'update_inventory', inventory_id: record.inventory_id, quantity },
        'failed_to_modify_inventory',
      );
    }
    expect(await storedRecords(player)).toEqual([record]);
  });
});

describe('unique and always-owned rules hold through updates too', () => {
  // Contract section 4: "unique items are held at most once"; "always_owned items appear in every
  // player's inventory as a record of type always_owned, count 1, and can never be modified".
  // The contract names no result code for these cases, so only the invariant is asserted: whatever
  // the result, the player never ends up holding more than one of a unique or always-owned item.

  it('update cannot make a player hold a unique item (CROWN) twice or with a count above 1', async () => {
    const player = newPlayer();
    const crown = await seed(player, { item_id: CROWN, quantity: 1 });
    const sword = await seed(player, { quantity: 1 });

    const toCrown = await runOne(player, {
      type: 'update_inventory',
      inventory_id: sword.inventory_id,
      item_id: CROWN,
    });
    if (toCrown.result !== 'success') expect(await storedRecords(player)).toEqual([crown, sword]);
    expect(await h.balance(player, CROWN)).toBe(1);
    expect(await h.inventory(player, `&item_id=${CROWN}`)).toHaveLength(1);

    const more = await runOne(player, {
      type: 'update_inventory',
      inventory_id: crown.inventory_id,
      quantity: 5,
    });
    expect(more.result).toBeDefined();
    expect(await h.balance(player, CROWN)).toBe(1);
  });

  it('update cannot turn a record into an always-owned item (BADGE stays one always_owned record, count 1)', async () => {
    const player = newPlayer();
    const badge = await badgeRecord(player);
    const sword = await seed(player, { quantity: 1 });

    const toBadge = await runOne(player, {
      type: 'update_inventory',
      inventory_id: sword.inventory_id,
      item_id: BADGE,
    });
    if (toBadge.result !== 'success') expect(await storedRecords(player)).toEqual([sword]);
    expect(await h.inventory(player, `&item_id=${BADGE}`)).toEqual([badge]);
    expect(await h.balance(player, BADGE)).toBe(1);
  });
});

describe('expired records', () => {
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
