import { describe, expect, it } from 'vitest';
import { errorOfResult, PlayFabError } from '../../src/domain/playfab/errors.js';
import { parseItemFilter } from '../../src/domain/playfab/filter.js';
import { changesOf } from '../../src/domain/history.js';
import {
  parseHistoryFilter,
  transactionsFrom,
  withEntryDetails,
  type Transaction,
} from '../../src/domain/playfab/history.js';
import {
  entryOfOperation,
  itemsModified,
  playerOfEntity,
  PLAYFAB_PLAYER_NAMESPACE,
  stacksOf,
  type PlayFabInventoryItem,
} from '../../src/domain/playfab/operations.js';
import { engineFor, inSeconds, NOW, queuedOrderFor } from '../helpers/engine.js';

/** PlayFab's calls in Armory's terms, as plain functions: entities, references, entries, stacks, filters. */

const GOLD = 1;
const SWORD = 10;
const PACK = 100;
const { catalog } = engineFor({
  items: [
    { id: GOLD, name: 'Gold', friendly_id: 'GD', currency: true },
    { id: SWORD, name: 'Sword' },
    { id: 12, name: 'Badge', always_owned: true },
  ],
  vendors: [{ id: 5, name: 'Store' }],
  loot: [
    {
      id: PACK,
      name: 'Pack',
      friendly_id: 'pack',
      vendor_id: 5,
      prices: [{ price_item_id: GOLD, price: 10 }],
      contents: [
        { item_id: SWORD, quantity: 1 },
        { item_id: GOLD, quantity: 5 },
      ],
    },
  ],
});
const scope = { catalog, collectionId: 'default' };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PlayFabError) return error.error;
    throw error;
  }
  throw new Error('expected a PlayFab error');
}

describe('playerOfEntity', () => {
  it('takes a uuid as the player, maps any other id to uuid v5 in the documented namespace', () => {
    const id = '6F1C1A4E-1D7B-4C38-9A8E-2B1B3F6C9D01';
    expect(playerOfEntity({ Id: id, Type: 'title_player_account' })).toBe(id.toLowerCase());
    const mapped = playerOfEntity({ Id: 'A1B2C3D4E5', Type: 'title_player_account' });
    expect(mapped).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(playerOfEntity({ Id: 'A1B2C3D4E5' })).toBe(mapped);
    expect(PLAYFAB_PLAYER_NAMESPACE).toBe('2fd004bd-86af-4a61-baa7-319d4cb22360');
  });

  it('refuses an entity that holds no inventory here', () => {
    expect(refusal(() => playerOfEntity({ Id: 'x', Type: 'title' }))).toBe('InvalidEntityType');
    expect(refusal(() => playerOfEntity({ Id: 'x', Type: 'group' }))).toBe('InvalidEntityType');
  });
});

describe('entryOfOperation', () => {
  it('names items by id, by friendly id as Id, or by AlternateId', () => {
    const add = (Item: Record<string, unknown>) =>
      entryOfOperation({ Add: { Item, Amount: 1, NewStackValues: undefined } }, scope);
    expect(add({ Id: '1' })).toMatchObject({
      type: 'add_inventory_stack',
      item_id: GOLD,
      stack_id: 'default',
    });
    expect(add({ Id: 'GD', StackId: 's' })).toMatchObject({ item_id: GOLD, stack_id: 's' });
    expect(add({ AlternateId: { Type: 'FriendlyId', Value: 'GD' } })).toMatchObject({ item_id: GOLD });
    expect(refusal(() => add({ Id: '99' }))).toBe('ItemNotFound');
    expect(refusal(() => add({ AlternateId: { Type: 'Sku', Value: 'GD' } }))).toBe('InvalidParams');
    expect(refusal(() => add({}))).toBe('InvalidParams');
  });

  it('keeps an emptied stack unless DeleteEmptyStacks, and works in the scope collection', () => {
    const subtract = (DeleteEmptyStacks?: boolean) =>
      entryOfOperation(
        { Subtract: { Item: { Id: 'GD' }, Amount: 2, DeleteEmptyStacks } },
        { catalog, collectionId: 'vault' },
      );
    expect(subtract()).toMatchObject({ keep_empty_stacks: true, collection_id: 'vault', quantity: 2 });
    expect(subtract(true)).toMatchObject({ keep_empty_stacks: false });
  });

  it('makes a purchase of a loot at its shown unit price, paid from the named stack, in the store it is sold in', () => {
    const purchase = (StoreId?: string) =>
      entryOfOperation(
        {
          Purchase: {
            Item: { Id: 'pack', StackId: 'bought' },
            Amount: 2,
            PriceAmounts: [{ ItemId: 'GD', Amount: 10, StackId: 'wallet' }],
            StoreId,
            DeleteEmptyStacks: undefined,
          },
        },
        scope,
      );
    expect(purchase('5')).toEqual({
      type: 'purchase_loot',
      loot_id: PACK,
      quantity: 2,
      purchase_price: { price_item_id: GOLD, price: 10, price_stack_id: 'wallet' },
      stack_id: 'bought',
      keep_empty_stacks: true,
    });
    expect(refusal(() => purchase('6'))).toBe('StoreNotFound');
  });

  it('counts a purchase as its bundle items plus its price, every other operation as one item', () => {
    const purchase = {
      Purchase: {
        Item: { Id: 'pack' },
        Amount: 1,
        PriceAmounts: [{ ItemId: 'GD', Amount: 10, StackId: undefined }],
        StoreId: undefined,
        DeleteEmptyStacks: undefined,
      },
    };
    expect(itemsModified([purchase, { Delete: { Item: { Id: 'GD' } } }], catalog)).toBe(4);
  });
});

describe('stacksOf', () => {
  it('sums records per item and stack, leaves out expired records and always-owned items, types currencies', () => {
    const engine = engineFor({
      ...{ items: [...catalog.items.values()], vendors: [], loot: [] },
      holdings: [
        { item: SWORD, count: 2, stack: 'b', display_properties: { c: 1 } },
        { item: GOLD, count: 5 },
        { item: GOLD, count: 3, bucket: 'steam' },
        { item: GOLD, count: 9, expires: inSeconds(-1) },
        { item: SWORD, count: 1, stack: 'a' },
      ],
    });
    const stacks: PlayFabInventoryItem[] = stacksOf(engine.records(), catalog, NOW);
    expect(stacks).toEqual([
      { Id: '1', StackId: 'default', Amount: 8, Type: 'currency' },
      { Id: '10', StackId: 'a', Amount: 1, Type: 'catalogItem' },
      { Id: '10', StackId: 'b', Amount: 2, Type: 'catalogItem', DisplayProperties: { c: 1 } },
    ]);
  });
});

describe('parseItemFilter', () => {
  const item = (Id: string, StackId: string, Type: 'currency' | 'catalogItem'): PlayFabInventoryItem => ({
    Id,
    StackId,
    Type,
    Amount: 1,
  });
  const all = [
    item('1', 'default', 'currency'),
    item('10', 'a', 'catalogItem'),
    item('10', 'b', 'catalogItem'),
  ];
  const ids = (filter: string) => all.filter(parseItemFilter(filter)).map((i) => `${i.Id}/${i.StackId}`);

  it('reads eq, ne, and, or and parentheses, and as binding tighter than or', () => {
    expect(ids("type eq 'currency'")).toEqual(['1/default']);
    expect(ids("id eq '10' and stackId ne 'a'")).toEqual(['10/b']);
    expect(ids("type eq 'currency' or id eq '10' and stackId eq 'a'")).toEqual(['1/default', '10/a']);
    expect(ids("(type eq 'currency' or id eq '10') and stackId ne 'b'")).toEqual(['1/default', '10/a']);
    expect(ids("stackId eq 'it''s'")).toEqual([]);
  });

  it('refuses anything outside the subset: other fields, operators, functions, bare words, broken text', () => {
    for (const filter of [
      "amount eq '1'",
      "id gt '1'",
      'id eq 1',
      "contains(id, '1')",
      "not id eq '1'",
      "id eq '1' and",
      "(id eq '1'",
      "id eq '1')",
      "id eq 'open",
      "id eq '1' ; drop",
    ]) {
      expect(
        refusal(() => parseItemFilter(filter)),
        filter,
      ).toBe('InvalidParams');
    }
  });
});

describe('errorOfResult', () => {
  it('maps shortfalls, missing things, limits, stale ETags and refusals; anything else is InvalidParams', () => {
    expect(errorOfResult('cannot_afford_price')).toBe('InsufficientFunds');
    expect(errorOfResult('inventory_not_found')).toBe('ItemNotFound');
    expect(errorOfResult('failed_to_modify_inventory')).toBe('OverLimit');
    expect(errorOfResult('collection_etag_does_not_match')).toBe('PreconditionFailed');
    expect(errorOfResult('permission_denied')).toBe('NotAuthorized');
    expect(errorOfResult('price_does_not_match')).toBe('InvalidParams');
    expect(new PlayFabError('PreconditionFailed', 'stale').body()).toEqual({
      code: 412,
      status: 'PreconditionFailed',
      error: 'PreconditionFailed',
      errorCode: 1610,
      errorMessage: 'stale',
    });
  });
});

describe('parseHistoryFilter', () => {
  const transaction = (Timestamp: string, ApiName: string, OperationType: string): Transaction => ({
    TransactionId: `o.${ApiName}`,
    Timestamp,
    ApiName,
    OperationType,
    ItemType: 'currency',
    Operations: [],
  });
  const all = [
    transaction('2030-01-01T00:00:00.000Z', 'AddInventoryItems', 'Add'),
    transaction('2030-01-02T00:00:00.000Z', 'ExecuteInventoryOperations', 'Subtract'),
    transaction('2030-01-03T00:00:00.000Z', 'AddInventoryItems', 'Add'),
  ];
  const days = (filter: string) =>
    all.filter(parseHistoryFilter(filter)).map((t) => t.Timestamp.slice(8, 10));

  it('compares timestamps and names, joined by and, in parentheses or not', () => {
    expect(days('timestamp ge 2030-01-02T00:00Z')).toEqual(['02', '03']);
    expect(days('timestamp gt 2030-01-02T00:00:00Z and timestamp le 2030-01-03T00:00:00Z')).toEqual(['03']);
    expect(days("(timestamp lt 2030-01-03T00:00Z) and (apiname eq 'AddInventoryItems')")).toEqual(['01']);
    expect(days("operationtype eq 'Subtract'")).toEqual(['02']);
    expect(days("transactionid eq 'o.AddInventoryItems'")).toEqual(['01', '03']);
  });

  it('refuses other fields and operators, or, and names combined with each other', () => {
    for (const filter of [
      'timestamp eq 2030-01-01T00:00Z',
      'timestamp ge yesterday',
      "apiname ne 'x'",
      'apiname eq x',
      "itemid eq '1'",
      "apiname eq 'a' or operationtype eq 'Add'",
      "apiname eq 'a' and operationtype eq 'Add'",
      "(apiname eq 'a'",
    ]) {
      expect(
        refusal(() => parseHistoryFilter(filter)),
        filter,
      ).toBe('InvalidParams');
    }
  });
});

describe('transactionsFrom', () => {
  it('is one transaction per entry that changed the collection, with an operation per change', () => {
    const engine = engineFor({
      items: [...catalog.items.values()],
      vendors: [...catalog.vendors.values()],
      loot: [...catalog.loot.values()],
      holdings: [{ item: GOLD, count: 100 }],
    });
    const input = {
      order_id: 'o1',
      is_transaction: true,
      entries: [
        {
          entry_id: 'e0',
          type: 'purchase_loot',
          loot_id: PACK,
          quantity: 1,
          purchase_price: { price_item_id: GOLD, price: 10 },
        },
        { entry_id: 'e1', type: 'add_inventory_stack', item_id: SWORD, quantity: 2, collection_id: 'vault' },
      ],
    };
    const origin = 'playfab:ExecuteInventoryOperations';
    const order = { ...queuedOrderFor(engine.playerUuid, input), origin };
    const applied = engine.apply(input, origin);
    const history = changesOf(order, applied.entries, 1).map((change, index) => ({
      ...change,
      seq: index + 1,
      applied_time: NOW.toISOString(),
      platform_event: null,
    }));
    const inCollection = (collectionId: string) =>
      transactionsFrom(
        history.filter((change) => change.collection_id === collectionId),
        catalog,
      );
    const [purchase] = inCollection('default');
    expect(purchase!.transaction).toEqual({
      TransactionId: 'o1.0',
      Timestamp: NOW.toISOString(),
      ApiName: 'ExecuteInventoryOperations',
      OperationType: 'Purchase',
      ItemType: 'currency',
      Operations: [
        { Type: 'Subtract', ItemId: '1', ItemType: 'currency', StackId: 'default', Amount: 5 },
        { Type: 'Add', ItemId: '10', ItemType: 'catalogItem', StackId: 'default', Amount: 1 },
      ],
    });
    expect(
      withEntryDetails(purchase!.transaction, order, applied.entries[0]!, catalog).PurchaseDetails,
    ).toEqual({
      ItemId: String(PACK),
      StoreId: '5',
    });
    expect(
      inCollection('vault').map((t) => [t.transaction.TransactionId, t.transaction.OperationType]),
    ).toEqual([['o1.1', 'Add']]);
    const asPlayerOrder = transactionsFrom(
      history.map((change) => ({ ...change, origin: null })),
      catalog,
    );
    expect(asPlayerOrder.map((t) => t.transaction.ApiName)).toEqual(['PlayerOrder', 'PlayerOrder']);
  });
});
