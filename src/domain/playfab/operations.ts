import { v5 as uuidV5 } from 'uuid';
import type { Catalog, Loot } from '../catalog.js';
import type { InventoryRecordView } from '../details.js';
import { DEFAULT_COLLECTION, DEFAULT_STACK } from '../inventory.js';
import type { entryCreateSchema } from '../order.js';
import { uuid } from '../schema-types.js';
import { PlayFabError } from './errors.js';
import {
  MAX_ITEMS_MODIFIED,
  type EntityKey,
  type InventoryOperation,
  type ItemReference,
  type OperationKind,
  type TransferOperation,
} from './requests.js';
import type { z } from 'zod';

/**
 * PlayFab's inventory calls in Armory's terms, as plain functions: which player an entity is, which
 * catalog item or loot a reference names, what entries an operation becomes, and how records read
 * as PlayFab's stacks.
 */

type EntryInput = z.input<typeof entryCreateSchema>;

/** PlayFab player ids that are not uuids map to uuid v5 in this namespace: the same id, the same player. */
export const PLAYFAB_PLAYER_NAMESPACE = '2fd004bd-86af-4a61-baa7-319d4cb22360';
const PLAYER_ENTITY_TYPES = ['title_player_account', 'master_player_account'];

/** The player an `Entity` names: its `Id` if a uuid, else the uuid v5 of its `Id`. */
export function playerOfEntity(entity: EntityKey): string {
  const type = entity.Type ?? entity.TypeString ?? 'title_player_account';
  if (!PLAYER_ENTITY_TYPES.includes(type)) {
    throw new PlayFabError(
      'InvalidEntityType',
      `Entity.Type ${type} has no inventory here; use title_player_account`,
    );
  }
  const asUuid = uuid.safeParse(entity.Id);
  return asUuid.success ? asUuid.data : uuidV5(entity.Id, PLAYFAB_PLAYER_NAMESPACE);
}

/** The text an item reference names its item by: `Id`, or an `AlternateId` of type FriendlyId. */
function referenceKey(reference: ItemReference): { id?: string; friendlyId?: string } {
  if (reference.Id != null) return { id: reference.Id };
  if (reference.AlternateId) {
    if (reference.AlternateId.Type !== 'FriendlyId') {
      throw new PlayFabError(
        'InvalidParams',
        `AlternateId.Type ${reference.AlternateId.Type} is not supported; use FriendlyId`,
      );
    }
    return { friendlyId: reference.AlternateId.Value };
  }
  throw new PlayFabError('InvalidParams', 'an item reference needs Id or AlternateId');
}

/** A catalog entry named by its id as a string, or by its friendly id (as `Id` or as AlternateId). */
function resolve<T extends { id: number }>(
  reference: ItemReference,
  byId: Map<number, T>,
  byFriendlyId: Map<string, T>,
  what: string,
): T {
  const { id, friendlyId } = referenceKey(reference);
  const found =
    friendlyId !== undefined
      ? byFriendlyId.get(friendlyId)
      : ((/^\d{1,10}$/.test(id!) ? byId.get(Number(id)) : undefined) ?? byFriendlyId.get(id!));
  if (!found) throw new PlayFabError('ItemNotFound', `no ${what} ${friendlyId ?? id} in the catalog`);
  return found;
}

export const resolveItem = (catalog: Catalog, reference: ItemReference) =>
  resolve(reference, catalog.items, catalog.itemsByFriendlyId, 'item').id;
export const resolveLoot = (catalog: Catalog, reference: ItemReference) =>
  resolve(reference, catalog.loot, catalog.lootByFriendlyId, 'item to purchase');

/** The stack a reference names (`default` unless named). */
const stackOf = (reference: ItemReference | undefined) => reference?.StackId ?? DEFAULT_STACK;

/** PlayFab's DeleteEmptyStacks is false unless set: a stack emptied stays, at 0. */
const keepEmpty = (deleteEmptyStacks: boolean | null | undefined) => !(deleteEmptyStacks ?? false);

export interface OperationScope {
  catalog: Catalog;
  /** The collection the operation works in. */
  collectionId: string;
}

/** The kind of an operation of a batch (its one field set). */
export const kindOf = (operation: InventoryOperation) => Object.keys(operation)[0] as OperationKind;

/** The entry one PlayFab operation becomes. */
export function entryOfOperation(operation: InventoryOperation, scope: OperationScope): EntryInput {
  const { catalog } = scope;
  const collection = scope.collectionId === DEFAULT_COLLECTION ? {} : { collection_id: scope.collectionId };
  if ('Add' in operation) {
    const { Item, Amount, NewStackValues } = operation.Add;
    return {
      type: 'add_inventory_stack',
      item_id: resolveItem(catalog, Item),
      quantity: Amount,
      stack_id: stackOf(Item),
      display_properties: NewStackValues?.DisplayProperties ?? undefined,
      ...collection,
    };
  }
  if ('Subtract' in operation) {
    const { Item, Amount, DeleteEmptyStacks } = operation.Subtract;
    return {
      type: 'subtract_inventory_stack',
      item_id: resolveItem(catalog, Item),
      quantity: Amount,
      stack_id: stackOf(Item),
      keep_empty_stacks: keepEmpty(DeleteEmptyStacks),
      ...collection,
    };
  }
  if ('Update' in operation) {
    const { Item } = operation.Update;
    return {
      type: 'set_inventory_stack',
      item_id: resolveItem(catalog, Item),
      quantity: Item.Amount,
      stack_id: stackOf(Item),
      display_properties: Item.DisplayProperties ?? undefined,
      ...collection,
    };
  }
  if ('Delete' in operation) {
    const { Item } = operation.Delete;
    return {
      type: 'delete_inventory_stack',
      item_id: resolveItem(catalog, Item),
      stack_id: stackOf(Item),
      ...collection,
    };
  }
  if ('Purchase' in operation) {
    const { Item, Amount, PriceAmounts, StoreId, DeleteEmptyStacks } = operation.Purchase;
    const loot = resolveLoot(catalog, Item);
    checkStore(catalog, loot, StoreId);
    const price = PriceAmounts[0]!;
    if (price.ItemId === undefined)
      throw new PlayFabError('InvalidParams', 'PriceAmounts[0].ItemId is required');
    return {
      type: 'purchase_loot',
      loot_id: loot.id,
      quantity: Amount,
      purchase_price: {
        price_item_id: resolveItem(catalog, { Id: price.ItemId }),
        price: price.Amount,
        price_stack_id: price.StackId ?? DEFAULT_STACK,
      },
      stack_id: stackOf(Item),
      keep_empty_stacks: keepEmpty(DeleteEmptyStacks),
      ...collection,
    };
  }
  return transferEntry(operation.Transfer, scope, scope.collectionId);
}

/**
 * A transfer from a stack of `scope`'s collection to a stack of `toCollectionId`, of another player
 * when `toPlayerUuid` is given.
 */
export function transferEntry(
  transfer: TransferOperation,
  scope: OperationScope,
  toCollectionId: string,
  toPlayerUuid?: string,
): EntryInput {
  const itemId = resolveItem(scope.catalog, transfer.GivingItem);
  const receiving = transfer.ReceivingItem;
  if (
    receiving &&
    (receiving.Id != null || receiving.AlternateId) &&
    resolveItem(scope.catalog, receiving) !== itemId
  ) {
    throw new PlayFabError('InvalidParams', 'GivingItem and ReceivingItem must name the same item');
  }
  return {
    type: 'transfer_inventory_stack',
    item_id: itemId,
    quantity: transfer.Amount,
    stack_id: stackOf(transfer.GivingItem),
    to_stack_id: receiving?.StackId ?? stackOf(transfer.GivingItem),
    to_collection_id: toCollectionId,
    ...(toPlayerUuid && { to_player_uuid: toPlayerUuid }),
    keep_empty_stacks: keepEmpty(transfer.DeleteEmptyStacks),
    display_properties: transfer.NewStackValues?.DisplayProperties ?? undefined,
    ...(scope.collectionId === DEFAULT_COLLECTION ? {} : { collection_id: scope.collectionId }),
  };
}

/** `StoreId`, when given, must be the id of the loot's vendor (Armory's stores are its vendors). */
function checkStore(catalog: Catalog, loot: Loot, storeId: string | null | undefined): void {
  if (storeId == null) return;
  if (!catalog.vendors.has(Number(storeId)) || !/^\d{1,10}$/.test(storeId)) {
    throw new PlayFabError('StoreNotFound', `no store ${storeId}`);
  }
  if (loot.vendor_id !== Number(storeId)) {
    throw new PlayFabError('ItemNotFound', `item ${loot.id} is not sold in store ${storeId}`);
  }
}

/** How many items a batch modifies, as PlayFab counts them: a purchase counts its bundle's every item. */
export function itemsModified(operations: InventoryOperation[], catalog: Catalog): number {
  let count = 0;
  for (const operation of operations) {
    if ('Purchase' in operation) {
      const loot = resolveLoot(catalog, operation.Purchase.Item);
      count += 1 + lootItemCount(catalog, loot, new Set());
    } else count += 1;
  }
  return count;
}

function lootItemCount(catalog: Catalog, loot: Loot, seen: Set<number>): number {
  if (seen.has(loot.id)) return 0;
  seen.add(loot.id);
  let count = loot.contents.length;
  for (const sub of loot.sub_loot) {
    const child = catalog.loot.get(sub.loot_id);
    if (child) count += lootItemCount(catalog, child, seen);
  }
  return count;
}

export function checkBatchLimits(operations: InventoryOperation[], catalog: Catalog): void {
  const modified = itemsModified(operations, catalog);
  if (modified > MAX_ITEMS_MODIFIED) {
    throw new PlayFabError(
      'OverLimit',
      `the operations modify ${modified} items; at most ${MAX_ITEMS_MODIFIED}`,
    );
  }
}

/** A stack as PlayFab shows it. */
export interface PlayFabInventoryItem {
  Id: string;
  StackId: string;
  Amount: number;
  Type: 'currency' | 'catalogItem';
  DisplayProperties?: Record<string, unknown>;
}

/**
 * A collection's records as PlayFab's stacks: one per (item, stack id), holding what its unexpired
 * records hold, in item id then stack id order. A stack whose records have all expired is not shown.
 * Always-owned items are Armory's own and not shown.
 */
export function stacksOf(
  records: InventoryRecordView[],
  catalog: Catalog,
  now: Date,
): PlayFabInventoryItem[] {
  const stacks = new Map<string, PlayFabInventoryItem & { itemId: number }>();
  const ordered = [...records].sort((a, b) => (a.legacy_inventory_id ?? 0) - (b.legacy_inventory_id ?? 0));
  for (const record of ordered) {
    if (record.type === 'always_owned') continue;
    if (record.expires !== null && Date.parse(record.expires) <= now.getTime()) continue;
    const key = `${record.item_id}\u0000${record.stack_id}`;
    const stack = stacks.get(key);
    if (stack) {
      stack.Amount += record.count;
      continue;
    }
    stacks.set(key, {
      itemId: record.item_id,
      Id: String(record.item_id),
      StackId: record.stack_id,
      Amount: record.count,
      Type: catalog.items.get(record.item_id)?.currency ? 'currency' : 'catalogItem',
      ...(record.display_properties && { DisplayProperties: record.display_properties }),
    });
  }
  return [...stacks.values()]
    .sort((a, b) => a.itemId - b.itemId || (a.StackId < b.StackId ? -1 : a.StackId > b.StackId ? 1 : 0))
    .map(({ itemId: _itemId, ...item }) => item);
}

/** A continuation token: where the previous page ended, opaque to callers. */
export const continuationToken = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

export function continuationKey<T>(token: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    value = undefined;
  }
  if (!check(value))
    throw new PlayFabError('InvalidParams', 'ContinuationToken is not one this API gave out');
  return value;
}

/** One page of a sorted list, after `after` (the key of the last item of the previous page). */
export function pageOf<T>(items: T[], count: number, after: number): { page: T[]; next: number | null } {
  const page = items.slice(after, after + count);
  return { page, next: after + count < items.length ? after + count : null };
}
