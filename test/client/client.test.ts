import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArmoryError,
  createArmoryClient,
  ENTRY_REQUIRED_FIELDS,
  type ArmoryClient,
  type Entry,
} from '../../packages/client/src/index.js';
import { documentText, openApiDocument, schemaSource } from '../../packages/client/scripts/generate.js';
import { REQUIRED_FIELDS } from '../../src/domain/order.js';
import { ENTRY_TYPES } from '../../src/domain/vocabulary.js';
import { baseCatalog, GEM_GRANT, GEMS, SWORD, SWORD_PACK } from '../helpers/catalog-fixture.js';
import { newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';

/** packages/client against a real Armory: what a game server written with it gets. */

let h: Harness;
let client: ArmoryClient;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
  client = createArmoryClient({ baseUrl: h.baseUrl, apiKey: SERVER_KEY });
});
afterAll(() => h.close());

const grant = (quantity = 1): Entry[] => [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity }];

describe('the generated part', () => {
  it('is generated from the document the server answers at /openapi.json, and is up to date', async () => {
    const document = openApiDocument();
    expect((await h.request('GET', '/openapi.json')).body).toEqual(document);
    expect(readFileSync('packages/client/openapi.json', 'utf8')).toBe(documentText(document));
    // Behind the server: run `npm run generate -w @armory/client` and commit what it writes.
    expect(readFileSync('packages/client/src/schema.ts', 'utf8')).toBe(await schemaSource(document));
  });

  it("knows the server's entry types and the fields each requires", () => {
    expect(ENTRY_REQUIRED_FIELDS).toEqual(REQUIRED_FIELDS);
    expect(Object.keys(ENTRY_REQUIRED_FIELDS).sort()).toEqual([...ENTRY_TYPES].sort());
  });
});

describe('a game server with the client', () => {
  it('submits an order and gets it back final, then reads the inventory and history it left', async () => {
    const player = newPlayer();
    const order = await client.submit(
      {
        order_id: `client-${player.slice(0, 8)}`,
        player_uuid: player,
        entries: [
          ...grant(),
          {
            type: 'purchase_loot',
            loot_id: SWORD_PACK,
            quantity: 1,
            purchase_price: { price_item_id: GEMS, price: 50 },
          },
        ],
      },
      { wait: 10 },
    );
    expect(order.status).toBe('succeeded');
    expect(order.entries.map((entry) => entry.result)).toEqual(['success', 'success']);

    const inventory = await client.inventory(player);
    const counts = Object.fromEntries(inventory.inventory.map((record) => [record.item_id, record.count]));
    expect(counts).toMatchObject({ [GEMS]: 50, [SWORD]: 1 });

    const history = await client.history(player, { item_id: SWORD });
    expect(history.history).toEqual([
      expect.objectContaining({ order_id: order.order_id, entry_type: 'purchase_loot', item_id: SWORD }),
    ]);
    expect(history.next_cursor).toBeNull();
  });

  it('waits for an order accepted without waiting until it is final', async () => {
    const player = newPlayer();
    const order = { order_id: `wait-${player.slice(0, 8)}`, player_uuid: player, entries: grant(2) };
    const accepted = await client.submit(order);
    expect(['queued', 'succeeded']).toContain(accepted.status);
    const final = await client.waitForFinal(accepted.order_id, { timeoutMs: 10_000 });
    expect(final).toMatchObject({ order_id: accepted.order_id, status: 'succeeded', applied_seq: 1 });
    expect(await h.balance(player, GEMS)).toBe(200);
    // The same order again is a replay: the same order, applied once.
    const again = await client.submit(order);
    expect(again.order_id).toBe(accepted.order_id);
    expect(await h.balance(player, GEMS)).toBe(200);
  });

  it('throws ArmoryError with the status and error body the API answered', async () => {
    const missing = await client.order('no-such-order').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ArmoryError);
    expect(missing).toMatchObject({ status: 404, body: { error_code: 'order_not_found' } });

    const invalid = await client
      .submit({ player_uuid: 'not-a-player', entries: grant() })
      .catch((error: unknown) => error);
    expect(invalid).toMatchObject({
      status: 422,
      body: { detail: [expect.objectContaining({ loc: ['body', 'player_uuid'] })] },
    });

    const wrongKey = createArmoryClient({ baseUrl: h.baseUrl, apiKey: 'wrong' });
    await expect(wrongKey.inventory(newPlayer())).rejects.toMatchObject({ status: 401 });
  });
});

/**
 * Never called: `npm run typecheck` fails if any `@ts-expect-error` here compiles, that is, if the
 * client let a misspelt entry type or a missing required field through.
 */
export function entriesThatDoNotCompile(): Entry[] {
  // @ts-expect-error a misspelt entry type
  const misspelt: Entry = { type: 'fill_lot', loot_id: GEM_GRANT, quantity: 1 };
  // @ts-expect-error purchase_loot without its purchase_price
  const unpriced: Entry = { type: 'purchase_loot', loot_id: SWORD_PACK, quantity: 1 };
  // @ts-expect-error promotion_code names its code in external_tran_id
  const codeless: Entry = { type: 'promotion_code' };
  return [misspelt, unpriced, codeless];
}

/** The union narrows on `type`, as a discriminated union does. */
export function lootOf(entry: Entry): number | null {
  switch (entry.type) {
    case 'fill_loot':
    case 'purchase_loot':
      return entry.loot_id;
    default:
      return null;
  }
}
