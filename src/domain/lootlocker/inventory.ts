import { v5 as uuidV5 } from 'uuid';
import { z } from 'zod';
import type { Catalog, Item } from '../catalog.js';
import type { InventoryRecordView } from '../details.js';
import { DEFAULT_COLLECTION } from '../inventory.js';
import { id, uuid } from '../schema-types.js';
import { LootLockerError } from './errors.js';

/**
 * LootLocker's player inventory in Armory's terms, as plain functions: which player an id is, an
 * asset (a catalog item) under LootLocker's names, an instance (a record holding one), and what an
 * add or an alter becomes.
 */

/** LootLocker player ids (integers, ulids) that are not uuids map to uuid v5 in this namespace. */
export const LOOTLOCKER_PLAYER_NAMESPACE = '8f5b5c2e-4d0a-4a53-9c55-3f0b8b7d2a61';
const PLAYER_ID = /^(?:\d{1,19}|[0-9A-HJKMNP-TV-Z]{26})$/i;

export function playerOfLootLockerId(playerId: string): string {
  const asUuid = uuid.safeParse(playerId);
  if (asUuid.success) return asUuid.data;
  if (!PLAYER_ID.test(playerId)) {
    throw new LootLockerError('bad_request', 'a player id is an integer, a ulid or a uuid');
  }
  return uuidV5(playerId.toUpperCase(), LOOTLOCKER_PLAYER_NAMESPACE);
}

/**
 * An asset as LootLocker shows it: the catalog item's fields under LootLocker's names; every field
 * the catalog does not have is null.
 */
export function assetOf(item: Item) {
  return {
    id: item.id,
    uuid: null,
    ulid: null,
    name: item.name,
    active: item.active,
    purchasable: null,
    price: null,
    sales_price: null,
    display_price: null,
    context: null,
    context_id: null,
    character_classes: null,
    unlocks_context: null,
    detachable: null,
    updated: null,
    marked_new: null,
    default_variation_id: null,
    description: null,
    links: null,
    storage: null,
    rarity: null,
    popular: null,
    popularity_score: null,
    unique_instance: item.unique,
    external_identifiers: null,
    rental_options: null,
    filters: null,
    files: null,
    data_entities: null,
    hero_equip_exceptions: null,
    asset_candidate: null,
    drop_table_max_picks: null,
    variations: null,
    featured: null,
    context_locked: null,
    initially_purchasable: null,
  };
}

/** An item the catalog must have for it to be an asset at all. */
export function itemOrNotFound(catalog: Catalog, assetId: number): Item {
  const item = catalog.items.get(assetId);
  if (!item) throw new LootLockerError('not_found', `no asset ${assetId}`);
  return item;
}

/**
 * One asset instance: a record of the player's default collection. Its `instance_id` is the
 * record's legacy inventory id; `acquisition_source` is the bucket it was granted into.
 */
export function instanceOf(record: InventoryRecordView, catalog: Catalog) {
  const item = catalog.items.get(record.item_id);
  return {
    instance_id: record.legacy_inventory_id,
    variation_id: null,
    rental_option_id: null,
    acquisition_source: record.bucket ?? 'grant',
    asset: item ? assetOf(item) : null,
  };
}

/** Which records are asset instances: the default collection's, not kept at 0, always-owned excepted. */
export const isInstance = (record: InventoryRecordView) =>
  record.collection_id === DEFAULT_COLLECTION && record.count > 0 && record.type !== 'always_owned';

const addSpec = z.looseObject({ asset_id: id });
export const addAssetSchema = addSpec;
export const alterInventorySchema = z
  .looseObject({
    add: z.array(addSpec).max(100).default([]),
    remove: z.array(z.number().int().min(1)).max(100).default([]),
  })
  .refine((body) => body.add.length + body.remove.length > 0, 'name something to add or remove');

/** One instance of an asset granted: a record of its own holding one. */
export const grantEntry = (assetId: number) => ({
  type: 'create_new_persistent_inventory',
  item_id: assetId,
  quantity: 1,
});

/** An instance taken away: its record removed. */
export const removeEntry = (instanceId: number) => ({
  type: 'update_inventory',
  legacy_inventory_id: instanceId,
  quantity: 0,
});
