import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEMS, SWORD } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Collections and stacks through the real service: the stack entries as the worker stores them
 * (a stack kept at 0, display properties as JSON) and the inventory read, per collection. Their
 * rules and result codes are tested on the engine alone (test/domain/entries/stacks.test.ts).
 */

type Entry = Record<string, unknown>;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

async function run(player: string, entries: Entry[]) {
  const response = await h.submit({ player_uuid: player, is_transaction: true, entries });
  expect(response.status).toBe(200);
  return response.body;
}

const view = (records: { item_id: number; stack_id: string; count: number; display_properties: unknown }[]) =>
  records.map((r) => [r.item_id, r.stack_id, r.count, r.display_properties]);

describe('stack entries through the service', () => {
  it('stores stacks per collection, one kept at 0, display properties as given; reads list one collection', async () => {
    const player = newPlayer();
    const body = await run(player, [
      { type: 'add_inventory_stack', item_id: GEMS, quantity: 100, collection_id: 'vault' },
      { type: 'add_inventory_stack', item_id: SWORD, quantity: 2, display_properties: { skin: { hue: 3 } } },
      {
        type: 'transfer_inventory_stack',
        item_id: GEMS,
        quantity: 40,
        collection_id: 'vault',
        to_collection_id: 'default',
      },
      { type: 'subtract_inventory_stack', item_id: SWORD, quantity: 2, keep_empty_stacks: true },
      { type: 'set_inventory_stack', item_id: GEMS, quantity: 7, stack_id: 'bonus', collection_id: 'vault' },
    ]);
    expect(body.status).toBe('succeeded');
    expect(body.entries[4]).toMatchObject({ collection_id: 'vault', stack_id: 'bonus', quantity: 7 });

    const main = await h.inventory(player);
    expect(view(main.filter((r) => r.type !== 'always_owned'))).toEqual([
      [SWORD, 'default', 0, { skin: { hue: 3 } }],
      [GEMS, 'default', 40, null],
    ]);
    expect(view(await h.inventory(player, '&collection_id=vault'))).toEqual([
      [GEMS, 'default', 60, null],
      [GEMS, 'bonus', 7, null],
    ]);
    expect(await h.inventory(player, '&collection_id=empty')).toEqual([]);
  });

  it('a failing stack entry rolls the transaction back, leaving every collection as it was', async () => {
    const player = newPlayer();
    await run(player, [{ type: 'add_inventory_stack', item_id: GEMS, quantity: 5, collection_id: 'vault' }]);
    const body = await run(player, [
      { type: 'delete_inventory_stack', item_id: GEMS, collection_id: 'vault' },
      { type: 'subtract_inventory_stack', item_id: GEMS, quantity: 1, collection_id: 'vault' },
    ]);
    expect(body.status).toBe('failed');
    expect(body.entries.map((e: { result: string }) => e.result)).toEqual([
      'rollback',
      'cannot_afford_price',
    ]);
    expect(view(await h.inventory(player, '&collection_id=vault'))).toEqual([[GEMS, 'default', 5, null]]);
  });

  it('refuses at the door what no stack entry can mean: a display_properties over 1,000 bytes, a transfer to itself', async () => {
    const player = newPlayer();
    const big = await h.submit({
      player_uuid: player,
      entries: [
        {
          type: 'add_inventory_stack',
          item_id: GEMS,
          quantity: 1,
          display_properties: { x: 'y'.repeat(1000) },
        },
      ],
    });
    expect(big.status).toBe(422);
    expect(big.body.detail[0].loc).toEqual(['body', 'entries', 0, 'display_properties']);
    const itself = await h.submit({
      player_uuid: player,
      entries: [{ type: 'transfer_inventory_stack', item_id: GEMS, quantity: 1, to_stack_id: 'default' }],
    });
    expect(itself.status).toBe(422);
    expect(itself.body.detail[0].loc).toEqual(['body', 'entries', 0, 'to_stack_id']);
    for (const display_properties of [
      { ['bad\u0000key']: 1 },
      { note: 'lone \ud800 surrogate' },
      { deep: [{ x: '\u0000' }] },
    ]) {
      const unstorable = await h.submit({
        player_uuid: player,
        entries: [{ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, display_properties }],
      });
      expect(unstorable.status, JSON.stringify(display_properties)).toBe(422);
    }
    const collection = await h.submit({
      player_uuid: player,
      entries: [{ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, collection_id: 'c'.repeat(76) }],
    });
    expect(collection.status).toBe(422);
    expect((await h.inventory(player)).filter((r) => r.type !== 'always_owned')).toEqual([]);
  });
});
