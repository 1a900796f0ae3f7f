import { describe, expect, it } from 'vitest';
import { errorOfResult, LootLockerError } from '../../src/domain/lootlocker/errors.js';
import {
  assetOf,
  instanceOf,
  isInstance,
  LOOTLOCKER_PLAYER_NAMESPACE,
  playerOfLootLockerId,
} from '../../src/domain/lootlocker/inventory.js';
import { engineFor } from '../helpers/engine.js';

/** LootLocker's inventory in Armory's terms, as plain functions. */

const SWORD = 10;
const { catalog, records } = engineFor({
  items: [{ id: SWORD, name: 'Sword', unique: true }],
  vendors: [],
  loot: [],
  holdings: [
    { item: SWORD, count: 1, bucket: 'steam' },
    { item: SWORD, count: 0, stack: 'kept' },
    { item: SWORD, count: 1, collection: 'vault' },
  ],
});

describe('playerOfLootLockerId', () => {
  it('takes a uuid as the player, maps integers and ulids (any case) to uuid v5 in the documented namespace', () => {
    const uuid = '6F1C1A4E-1D7B-4C38-9A8E-2B1B3F6C9D01';
    expect(playerOfLootLockerId(uuid)).toBe(uuid.toLowerCase());
    const fromInteger = playerOfLootLockerId('4242');
    expect(fromInteger).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(playerOfLootLockerId('01hzx3v5q8k9y7m2n4p6r8t0vw')).toBe(
      playerOfLootLockerId('01HZX3V5Q8K9Y7M2N4P6R8T0VW'),
    );
    expect(LOOTLOCKER_PLAYER_NAMESPACE).toBe('8f5b5c2e-4d0a-4a53-9c55-3f0b8b7d2a61');
  });

  it('refuses anything else as a bad request', () => {
    for (const id of ['', 'abc!', '01HZX3V5Q8K9Y7M2N4P6R8T0V', '1'.repeat(20)]) {
      expect(() => playerOfLootLockerId(id), id).toThrow(LootLockerError);
    }
  });
});

describe('assets and instances', () => {
  it('shows a catalog item under LootLocker names, null where the catalog has nothing', () => {
    const asset = assetOf(catalog.items.get(SWORD)!);
    expect(asset).toMatchObject({
      id: SWORD,
      name: 'Sword',
      active: true,
      unique_instance: true,
      uuid: null,
      price: null,
    });
  });

  it('an instance is a record of the default collection holding one or more, its id the legacy id', () => {
    const shown = records().filter(isInstance);
    expect(shown).toHaveLength(1);
    expect(instanceOf(shown[0]!, catalog)).toMatchObject({
      instance_id: shown[0]!.legacy_inventory_id,
      acquisition_source: 'steam',
      variation_id: null,
      asset: { id: SWORD },
    });
  });
});

describe('errors', () => {
  it('answer with LootLocker body, and map result codes to statuses', () => {
    expect(new LootLockerError('forbidden', 'no').body('r1')).toEqual({
      code: 'forbidden',
      doc_url: 'docs/lootlocker.md#errors',
      message: 'no',
      request_id: 'r1',
      trace_id: 'r1',
    });
    expect(errorOfResult('inventory_not_found')).toBe('not_found');
    expect(errorOfResult('cannot_afford_price')).toBe('forbidden');
    expect(errorOfResult('failed_to_modify_inventory')).toBe('bad_request');
  });
});
