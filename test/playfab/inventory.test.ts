import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { v5 as uuidV5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playerToken } from '../helpers/credentials.js';
import { newPlayer, SERVER_KEY, startHarness, type Harness, type TestResponse } from '../helpers/harness.js';

/**
 * PlayFab's Economy v2 inventory calls under /playfab, spoken as PlayFab's wire format (PascalCase
 * bodies, X-SecretKey, X-EntityToken, PlayFab's envelopes and error numbers), against the real
 * service: each write is a transactional order on the engine.
 */

const GOLD = 1;
const GEMS = 2;
const SWORD = 10;
const SHIELD = 11;
const STORE = 5;
const SWORD_OFFER = 100;
const MEGA_BUNDLE = 101;

const catalog = {
  items: [
    { id: GOLD, name: 'Gold', friendly_id: 'GD', currency: true },
    { id: GEMS, name: 'Gems', friendly_id: 'GM', currency: true },
    { id: SWORD, name: 'Sword', friendly_id: 'sword' },
    { id: SHIELD, name: 'Shield' },
    ...Array.from({ length: 300 }, (_, i) => ({ id: 1000 + i, name: `Trinket ${i}` })),
  ],
  vendors: [{ id: STORE, name: 'Store' }],
  loot: [
    {
      id: SWORD_OFFER,
      name: 'Sword and shield',
      friendly_id: 'sword_offer',
      vendor_id: STORE,
      prices: [{ price_item_id: GOLD, price: 30 }],
      contents: [
        { item_id: SWORD, quantity: 1 },
        { item_id: SHIELD, quantity: 1 },
      ],
    },
    {
      id: MEGA_BUNDLE,
      name: '300 trinkets',
      prices: [{ price_item_id: GOLD, price: 1 }],
      contents: Array.from({ length: 300 }, (_, i) => ({ item_id: 1000 + i, quantity: 1 })),
    },
  ],
};

let h: Harness;
let titleToken: string;
beforeAll(async () => {
  h = await startHarness({ catalog });
  const token = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
    body: {},
    headers: { 'X-SecretKey': SERVER_KEY },
  });
  titleToken = token.body.data.EntityToken;
});
afterAll(() => h.close());

const entity = (id: string) => ({ Type: 'title_player_account', Id: id });
/** A transaction id is `<order_id>.<entry index>`. */
const orderOf = (transactionId: string) => transactionId.slice(0, transactionId.lastIndexOf('.'));

function call(name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return h.request('POST', `/playfab/Inventory/${name}`, {
    body,
    headers: { 'X-EntityToken': titleToken, ...headers },
  });
}

/** A call that must succeed: its `data`. */
async function ok(name: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  const response = await call(name, body, headers);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body).toMatchObject({ code: 200, status: 'OK' });
  return response.body.data;
}

/** A PlayFab error envelope. */
function expectError(response: TestResponse, status: number, error: string, errorCode: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toMatchObject({ code: status, error, errorCode, errorMessage: expect.any(String) });
}

async function items(player: string, body: Record<string, unknown> = {}) {
  return (await ok('GetInventoryItems', { Entity: entity(player), Count: 50, ...body })).Items as {
    Id: string;
    StackId: string;
    Amount: number;
    Type: string;
    DisplayProperties?: unknown;
  }[];
}
const amounts = async (player: string, body?: Record<string, unknown>) =>
  (await items(player, body)).map((item) => [item.Id, item.StackId, item.Amount]);

describe('GetEntityToken and entity tokens', () => {
  it('gives a title token for the secret key only', async () => {
    const wrong = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
      body: {},
      headers: { 'X-SecretKey': 'not-the-key' },
    });
    expectError(wrong, 401, 'NotAuthenticated', 1074);
    const missing = await h.request('POST', '/playfab/Authentication/GetEntityToken', { body: {} });
    expectError(missing, 401, 'NotAuthenticated', 1074);
    const good = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
      body: {},
      headers: { 'X-SecretKey': SERVER_KEY },
    });
    expect(good.status).toBe(200);
    expect(good.body.data).toMatchObject({ EntityToken: expect.any(String), Entity: { Type: 'title' } });
    expect(Date.parse(good.body.data.TokenExpiration)).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    // A title token refreshes itself; a player's token does not become a title token.
    const refreshed = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
      body: {},
      headers: { 'X-EntityToken': good.body.data.EntityToken },
    });
    expect(refreshed.status).toBe(200);
    const player = await playerToken(h.config.PLAYER_JWT_SECRET, newPlayer());
    const escalate = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
      body: {},
      headers: { 'X-EntityToken': player },
    });
    expectError(escalate, 403, 'NotAuthorized', 1089);
  });

  it('refuses a missing, invalid or expired entity token, and an entity that is not a player', async () => {
    const player = newPlayer();
    const body = { Entity: entity(player) };
    expectError(
      await call('GetInventoryItems', body, { 'X-EntityToken': '' }),
      401,
      'NotAuthenticated',
      1074,
    );
    expectError(
      await call('GetInventoryItems', body, { 'X-EntityToken': 'garbage' }),
      401,
      'EntityTokenInvalid',
      1335,
    );
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(player)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(h.config.PLAYER_JWT_SECRET));
    expectError(
      await call('GetInventoryItems', body, { 'X-EntityToken': expired }),
      401,
      'EntityTokenExpired',
      1336,
    );
    expectError(
      await call('GetInventoryItems', { Entity: { Type: 'title', Id: 'x' } }),
      400,
      'InvalidEntityType',
      1373,
    );
  });

  it('a player token reads its own inventory only, and may not add to it', async () => {
    const player = newPlayer();
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5 });
    const token = await playerToken(h.config.PLAYER_JWT_SECRET, player);
    const own = await call('GetInventoryItems', {}, { 'X-EntityToken': token });
    expect(own.body.data.Items).toMatchObject([{ Id: String(GOLD), Amount: 5 }]);
    const other = await call(
      'GetInventoryItems',
      { Entity: entity(newPlayer()) },
      { 'X-EntityToken': token },
    );
    expectError(other, 403, 'NotAuthorized', 1089);
    const add = await call(
      'AddInventoryItems',
      { Item: { Id: 'GD' }, Amount: 5 },
      { 'X-EntityToken': token },
    );
    expectError(add, 403, 'NotAuthorized', 1089);
    expect(await amounts(player)).toEqual([[String(GOLD), 'default', 5]]);
  });

  it('maps a PlayFab id that is not a uuid to a fixed player uuid (v5), the same on every call', async () => {
    const playFabId = `A1B2C3${Date.now()}`;
    const add = await ok('AddInventoryItems', { Entity: entity(playFabId), Item: { Id: 'GD' }, Amount: 3 });
    const player = uuidV5(playFabId, '2fd004bd-86af-4a61-baa7-319d4cb22360');
    const order = await h.server('GET', `/v1/orders/${orderOf(add.TransactionIds[0])}`);
    expect(order.body.player_uuid).toBe(player);
    expect(await h.balance(player, GOLD)).toBe(3);
    expect(await amounts(playFabId)).toEqual([[String(GOLD), 'default', 3]]);
  });
});

describe('writes are transactional orders', () => {
  it('Add, Subtract, Update and Delete change stacks, each one order with source SYSTEM', async () => {
    const player = newPlayer();
    const add = await ok('AddInventoryItems', {
      Entity: entity(player),
      Item: { AlternateId: { Type: 'FriendlyId', Value: 'sword' }, StackId: 'blue' },
      Amount: 2,
      NewStackValues: { DisplayProperties: { colour: 'blue' } },
    });
    expect(add.TransactionIds).toHaveLength(1);
    const order = await h.server('GET', `/v1/orders/${orderOf(add.TransactionIds[0])}`);
    expect(order.body).toMatchObject({
      origin: 'playfab:AddInventoryItems',
      source: 'SYSTEM',
      is_transaction: true,
      status: 'succeeded',
      entries: [{ type: 'add_inventory_stack', item_id: SWORD, stack_id: 'blue', result: 'success' }],
    });
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: String(GOLD) }, Amount: 100 });
    await ok('SubtractInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 100 });
    await ok('UpdateInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'sword', StackId: 'red', Amount: 7, DisplayProperties: { colour: 'red' } },
    });
    expect(await items(player)).toEqual([
      { Id: String(GOLD), StackId: 'default', Amount: 0, Type: 'currency' },
      {
        Id: String(SWORD),
        StackId: 'blue',
        Amount: 2,
        Type: 'catalogItem',
        DisplayProperties: { colour: 'blue' },
      },
      {
        Id: String(SWORD),
        StackId: 'red',
        Amount: 7,
        Type: 'catalogItem',
        DisplayProperties: { colour: 'red' },
      },
    ]);
    await ok('SubtractInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'sword', StackId: 'red' },
      Amount: 7,
      DeleteEmptyStacks: true,
    });
    await ok('DeleteInventoryItems', { Entity: entity(player), Item: { Id: 'GD' } });
    expect(await amounts(player)).toEqual([[String(SWORD), 'blue', 2]]);
    const orders = await h.server('GET', `/v1/players/${player}/orders`);
    expect(orders.body.orders).toHaveLength(6);
  });

  it('subtracting more than the stack holds is InsufficientFunds and changes nothing', async () => {
    const player = newPlayer();
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5 });
    const response = await call('SubtractInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD' },
      Amount: 6,
    });
    expectError(response, 400, 'InsufficientFunds', 1059);
    expect(response.body.errorDetails.Result).toEqual(['cannot_afford_price']);
    expect(await amounts(player)).toEqual([[String(GOLD), 'default', 5]]);
  });

  it('an item reference that names nothing is ItemNotFound; a bad amount or body is InvalidParams', async () => {
    const player = newPlayer();
    expectError(
      await call('AddInventoryItems', { Entity: entity(player), Item: { Id: 'nope' }, Amount: 1 }),
      400,
      'ItemNotFound',
      1047,
    );
    const negative = await call('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD' },
      Amount: -1,
    });
    expectError(negative, 400, 'InvalidParams', 1000);
    expect(negative.body.errorDetails.Amount).toHaveLength(1);
    expectError(
      await call('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 2_147_483_648 }),
      400,
      'InvalidParams',
      1000,
    );
    expectError(
      await h.request('POST', '/playfab/Inventory/AddInventoryItems', {
        rawBody: '{"Entity":',
        headers: { 'X-EntityToken': titleToken },
      }),
      400,
      'InvalidParams',
      1000,
    );
    expectError(await call('ExecuteTransferOperations', {}), 404, 'InventoryApiNotImplemented', 12000);
    const longCollection = {
      Entity: entity(player),
      CollectionId: 'c'.repeat(76),
      Item: { Id: 'GD' },
      Amount: 1,
    };
    expectError(await call('AddInventoryItems', longCollection), 400, 'InvalidParams', 1000);
    expect(await h.orderCount(player)).toBe(0);
  });

  it('Purchase pays the loot unit price from the named stack and grants its contents into the item stack', async () => {
    const player = newPlayer();
    await ok('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD', StackId: 'wallet' },
      Amount: 70,
    });
    const purchase = (amount: number, price: number) =>
      call('PurchaseInventoryItems', {
        Entity: entity(player),
        Item: { Id: 'sword_offer', StackId: 'bought' },
        Amount: amount,
        PriceAmounts: [{ ItemId: 'GD', Amount: price, StackId: 'wallet' }],
        StoreId: String(STORE),
      });
    expectError(await purchase(1, 25), 400, 'InvalidParams', 1000);
    expect((await purchase(2, 30)).status).toBe(200);
    expectError(await purchase(1, 30), 400, 'InsufficientFunds', 1059);
    expect(await amounts(player)).toEqual([
      [String(GOLD), 'wallet', 10],
      [String(SWORD), 'bought', 2],
      [String(SHIELD), 'bought', 2],
    ]);
  });

  it('Transfer moves between collections and stacks of one player, answering Completed', async () => {
    const player = newPlayer();
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GM' }, Amount: 50 });
    const transfer = await ok('TransferInventoryItems', {
      GivingEntity: entity(player),
      ReceivingEntity: entity(player),
      GivingCollectionId: 'default',
      ReceivingCollectionId: 'vault',
      GivingItem: { Id: 'GM' },
      ReceivingItem: { Id: 'GM', StackId: 'saved' },
      Amount: 20,
    });
    expect(transfer).toMatchObject({
      OperationStatus: 'Completed',
      GivingTransactionIds: [expect.any(String)],
    });
    expect(await amounts(player)).toEqual([[String(GEMS), 'default', 30]]);
    expect(await amounts(player, { CollectionId: 'vault' })).toEqual([[String(GEMS), 'saved', 20]]);
    expect((await ok('GetInventoryCollectionIds', { Entity: entity(player) })).CollectionIds).toEqual([
      'default',
      'vault',
    ]);
    const tooMuch = await call('TransferInventoryItems', {
      GivingEntity: entity(player),
      ReceivingCollectionId: 'vault',
      GivingItem: { Id: 'GM' },
      Amount: 31,
    });
    expectError(tooMuch, 400, 'InsufficientFunds', 1059);
    // Deleting a collection removes its stacks; the default collection cannot be deleted.
    await ok('DeleteInventoryCollection', { Entity: entity(player), CollectionId: 'vault' });
    expect(await amounts(player, { CollectionId: 'vault' })).toEqual([]);
    expect((await ok('GetInventoryCollectionIds', { Entity: entity(player) })).CollectionIds).toEqual([
      'default',
    ]);
    const deleteDefault = await call('DeleteInventoryCollection', { Entity: entity(player) });
    expectError(deleteDefault, 400, 'InventoryCollectionDeletionDisallowed', 12001);
    expect(await amounts(player)).toEqual([[String(GEMS), 'default', 30]]);
  });

  it('Transfer between two players changes both in one order of the giver', async () => {
    const [giver, receiver] = [newPlayer(), `PF${Date.now()}`];
    await ok('AddInventoryItems', { Entity: entity(giver), Item: { Id: 'GM' }, Amount: 50 });
    const transfer = await ok('TransferInventoryItems', {
      GivingEntity: entity(giver),
      ReceivingEntity: entity(receiver),
      GivingItem: { Id: 'GM' },
      Amount: 15,
      IdempotencyId: randomUUID(),
    });
    expect(transfer.GivingTransactionIds).toEqual(transfer.ReceivingTransactionIds);
    expect(await amounts(giver)).toEqual([[String(GEMS), 'default', 35]]);
    expect(await amounts(receiver)).toEqual([[String(GEMS), 'default', 15]]);
    // The giver's history shows what it gave, not the receiver's gain.
    const history = await ok('GetTransactionHistory', {
      Entity: entity(giver),
      OrderBy: 'timestamp desc',
      Count: 1,
    });
    expect(history.Transactions[0]).toMatchObject({
      OperationType: 'Transfer',
      Operations: [{ Type: 'Subtract', ItemId: String(GEMS), Amount: 15 }],
      TransferDetails: { ReceivingCollectionId: 'default' },
    });
    expect(history.Transactions[0].Operations).toHaveLength(1);
    // The receiver's history shows its gain, from the same transaction of the giver's order.
    const received = await ok('GetTransactionHistory', { Entity: entity(receiver), Count: 5 });
    expect(received.Transactions).toEqual([
      expect.objectContaining({
        TransactionId: history.Transactions[0].TransactionId,
        OperationType: 'Transfer',
        Operations: [expect.objectContaining({ Type: 'Add', ItemId: String(GEMS), Amount: 15 })],
        TransferDetails: expect.objectContaining({
          GivingEntity: { Id: giver, Type: 'title_player_account' },
        }),
      }),
    ]);
    // An order that errored (nothing took effect) is a failed operation.
    const order = orderOf(transfer.GivingTransactionIds[0]);
    await h.sql(`update player_order set status = 'errored' where order_id = ?`, [order]);
    const status = await ok('GetInventoryOperationStatus', { Entity: entity(giver), OperationToken: order });
    expect(status.OperationStatus).toBe('Failed');
    const token = await playerToken(h.config.PLAYER_JWT_SECRET, giver);
    const byPlayer = await call(
      'TransferInventoryItems',
      { ReceivingEntity: entity(receiver), GivingItem: { Id: 'GM' }, Amount: 1 },
      { 'X-EntityToken': token },
    );
    expectError(byPlayer, 403, 'NotAuthorized', 1089);
    expect(await amounts(giver)).toEqual([[String(GEMS), 'default', 35]]);
  });

  it('ExecuteInventoryOperations runs in order, all or nothing, within its limits', async () => {
    const player = newPlayer();
    const batch = (Operations: unknown[]) =>
      call('ExecuteInventoryOperations', { Entity: entity(player), Operations });
    const response = await batch([
      { Add: { Item: { Id: 'GD' }, Amount: 10 } },
      { Subtract: { Item: { Id: 'GD' }, Amount: 4 } },
      { Update: { Item: { Id: 'sword', Amount: 1 } } },
    ]);
    expect(response.status).toBe(200);
    const failing = await batch([
      { Add: { Item: { Id: 'GD' }, Amount: 10 } },
      { Subtract: { Item: { Id: 'GD' }, Amount: 100 } },
    ]);
    expectError(failing, 400, 'InsufficientFunds', 1059);
    expect(failing.body.errorMessage).toMatch(/operation 1/);
    expect(await amounts(player)).toEqual([
      [String(GOLD), 'default', 6],
      [String(SWORD), 'default', 1],
    ]);
    const fiftyOne = Array.from({ length: 51 }, () => ({ Add: { Item: { Id: 'GD' }, Amount: 1 } }));
    expectError(await batch(fiftyOne), 400, 'InvalidParams', 1000);
    expectError(
      await batch([{ Add: { Item: { Id: 'GD' }, Amount: 1 }, Subtract: { Item: { Id: 'GD' }, Amount: 1 } }]),
      400,
      'InvalidParams',
      1000,
    );
    const overLimit = await batch([
      { Add: { Item: { Id: 'GD' }, Amount: 1 } },
      {
        Purchase: {
          Item: { Id: String(MEGA_BUNDLE) },
          Amount: 1,
          PriceAmounts: [{ ItemId: 'GD', Amount: 1 }],
        },
      },
    ]);
    expectError(overLimit, 400, 'OverLimit', 1214);
    expect(await h.orderCount(player)).toBe(2);
  });
});

describe('reads, ETags and idempotency', () => {
  it('GetInventoryItems pages with Count and ContinuationToken, filters by the OData subset, refuses others', async () => {
    const player = newPlayer();
    await ok('ExecuteInventoryOperations', {
      Entity: entity(player),
      Operations: [
        { Add: { Item: { Id: 'GD' }, Amount: 1 } },
        { Add: { Item: { Id: 'GM' }, Amount: 2 } },
        { Add: { Item: { Id: 'sword', StackId: 'a' }, Amount: 3 } },
        { Add: { Item: { Id: 'sword', StackId: 'b' }, Amount: 4 } },
      ],
    });
    const first = await ok('GetInventoryItems', { Entity: entity(player), Count: 3 });
    expect(first.Items).toHaveLength(3);
    const second = await ok('GetInventoryItems', {
      Entity: entity(player),
      Count: 3,
      ContinuationToken: first.ContinuationToken,
    });
    expect(second.Items.map((item: { StackId: string }) => item.StackId)).toEqual(['b']);
    expect(second.ContinuationToken).toBeUndefined();
    expect(await amounts(player, { Filter: "type eq 'currency'" })).toEqual([
      [String(GOLD), 'default', 1],
      [String(GEMS), 'default', 2],
    ]);
    expect(
      await amounts(player, { Filter: `(id eq '${SWORD}' and stackId ne 'a') or id eq '${GEMS}'` }),
    ).toEqual([
      [String(GEMS), 'default', 2],
      [String(SWORD), 'b', 4],
    ]);
    for (const Filter of ["amount gt '1'", 'type eq currency', "type eq 'x' xor id eq 'y'", "(type eq 'x'"]) {
      expectError(
        await call('GetInventoryItems', { Entity: entity(player), Filter }),
        400,
        'InvalidParams',
        1000,
      );
    }
    expectError(
      await call('GetInventoryItems', { Entity: entity(player), Count: 51 }),
      400,
      'InvalidParams',
      1000,
    );
  });

  it('a stale ETag is PreconditionFailed (412) and changes nothing; the current one passes; If-None-Match is 304', async () => {
    const player = newPlayer();
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5 });
    const { ETag: seen } = await ok('GetInventoryItems', { Entity: entity(player) });
    const notModified = await call(
      'GetInventoryItems',
      { Entity: entity(player) },
      { 'X-PlayFab-Economy-If-None-Match': seen },
    );
    expect(notModified.status).toBe(304);
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 1, ETag: seen });
    const stale = await call('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD' },
      Amount: 1,
      ETag: seen,
    });
    expectError(stale, 412, 'PreconditionFailed', 1610);
    const staleHeader = await call(
      'SubtractInventoryItems',
      { Entity: entity(player), Item: { Id: 'GD' }, Amount: 1 },
      { 'X-PlayFab-Economy-If-Match': seen },
    );
    expectError(staleHeader, 412, 'PreconditionFailed', 1610);
    expect(await amounts(player)).toEqual([[String(GOLD), 'default', 6]]);
    const { ETag: now } = await ok('GetInventoryItems', { Entity: entity(player) });
    expect(now).not.toBe(seen);
    expect(
      (
        await call(
          'GetInventoryItems',
          { Entity: entity(player) },
          { 'X-PlayFab-Economy-If-None-Match': seen },
        )
      ).status,
    ).toBe(200);
    const readStale = await call(
      'GetInventoryItems',
      { Entity: entity(player) },
      { 'X-PlayFab-Economy-If-Match': seen },
    );
    expectError(readStale, 412, 'PreconditionFailed', 1610);
    const readCurrent = await call(
      'GetInventoryItems',
      { Entity: entity(player) },
      { 'X-PlayFab-Economy-If-Match': now },
    );
    expect(readCurrent.status).toBe(200);
  });

  it('a write answers the ETag its write left, which chains the next write even after another write followed', async () => {
    const player = newPlayer();
    const first = await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5 });
    expect((await ok('GetInventoryItems', { Entity: entity(player) })).ETag).toBe(first.ETag);
    const second = await ok('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD' },
      Amount: 1,
      ETag: first.ETag,
    });
    expect(second.ETag).not.toBe(first.ETag);
    // Someone else writes; the holder of second's ETag is then stale, and told so.
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 1 });
    const stale = await call('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD' },
      Amount: 1,
      ETag: second.ETag,
    });
    expectError(stale, 412, 'PreconditionFailed', 1610);
    // A transfer answers the giving collection's as GivingETag.
    const moved = await ok('TransferInventoryItems', {
      GivingEntity: entity(player),
      GivingItem: { Id: 'GD' },
      ReceivingCollectionId: 'vault',
      Amount: 1,
    });
    expect(moved.GivingETag).toBe((await ok('GetInventoryItems', { Entity: entity(player) })).ETag);
  });

  it('the same IdempotencyId and body answers the original and applies once; another body is InvalidParams', async () => {
    const player = newPlayer();
    const IdempotencyId = randomUUID();
    const body = { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5, IdempotencyId };
    const first = await ok('AddInventoryItems', body);
    const again = await ok('AddInventoryItems', body);
    expect(again).toEqual(first);
    expect(first.IdempotencyId).toBe(IdempotencyId);
    const other = await call('AddInventoryItems', { ...body, Amount: 6 });
    expectError(other, 400, 'InvalidParams', 1000);
    expect(other.body.errorMessage).toMatch(/IdempotencyId/);
    // Ids are per player: another player may use the same one.
    await ok('AddInventoryItems', { ...body, Entity: entity(newPlayer()) });
    expect(await amounts(player)).toEqual([[String(GOLD), 'default', 5]]);
  });

  it('GetTransactionHistory lists what changed the collection, oldest or newest first, filtered and paged', async () => {
    const player = newPlayer();
    const add = await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 50 });
    await ok('ExecuteInventoryOperations', {
      Entity: entity(player),
      Operations: [
        { Subtract: { Item: { Id: 'GD' }, Amount: 5 } },
        { Add: { Item: { Id: 'sword' }, Amount: 1 } },
        { Add: { Item: { Id: 'sword' }, Amount: 1 } },
      ],
    });
    await ok('AddInventoryItems', {
      Entity: entity(player),
      CollectionId: 'vault',
      Item: { Id: 'GD' },
      Amount: 1,
    });
    const history = async (body: Record<string, unknown>) =>
      ok('GetTransactionHistory', { Entity: entity(player), ...body });
    const all = await history({ Count: 50 });
    expect(
      all.Transactions.map((t: { ApiName: string; OperationType: string }) => [t.ApiName, t.OperationType]),
    ).toEqual([
      ['AddInventoryItems', 'Add'],
      ['ExecuteInventoryOperations', 'Subtract'],
      ['ExecuteInventoryOperations', 'Add'],
      ['ExecuteInventoryOperations', 'Add'],
    ]);
    expect(all.Transactions[0]).toMatchObject({
      TransactionId: add.TransactionIds[0],
      ItemType: 'currency',
      Operations: [{ Type: 'Add', ItemId: String(GOLD), StackId: 'default', Amount: 50 }],
    });
    const newest = await history({ Count: 3, OrderBy: 'timestamp desc' });
    expect(newest.Transactions.map((t: { TransactionId: string }) => t.TransactionId)).toEqual(
      all.Transactions.slice(1)
        .reverse()
        .map((t: { TransactionId: string }) => t.TransactionId),
    );
    const rest = await history({
      Count: 3,
      OrderBy: 'timestamp desc',
      ContinuationToken: newest.ContinuationToken,
    });
    expect(rest.Transactions.map((t: { TransactionId: string }) => t.TransactionId)).toEqual([
      add.TransactionIds[0],
    ]);
    expect(rest.ContinuationToken).toBeUndefined();
    const adds = await history({ Count: 50, Filter: "operationtype eq 'Add'" });
    expect(adds.Transactions).toHaveLength(3);
    expect((await history({ CollectionId: 'vault' })).Transactions).toHaveLength(1);
    expectError(
      await call('GetTransactionHistory', { Entity: entity(player), Filter: "apiname ne 'x'" }),
      400,
      'InvalidParams',
      1000,
    );
  });

  it('an IdempotencyId holds for 14 days: past them the same id is a new request, the old order unchanged', async () => {
    const player = newPlayer();
    const IdempotencyId = randomUUID();
    const body = { Entity: entity(player), Item: { Id: 'GD' }, Amount: 5, IdempotencyId };
    const first = await ok('AddInventoryItems', body);
    const firstOrder = orderOf(first.TransactionIds[0]);
    await h.sql(`update player_order set created_time = now() - interval '15 days' where order_id = ?`, [
      firstOrder,
    ]);
    const again = await ok('AddInventoryItems', { ...body, Amount: 6 });
    expect(orderOf(again.TransactionIds[0])).not.toBe(firstOrder);
    expect(await amounts(player)).toEqual([[String(GOLD), 'default', 11]]);
    // The new order holds the id now: the same body replays it, another is refused.
    expect(await ok('AddInventoryItems', { ...body, Amount: 6 })).toEqual(again);
    expectError(await call('AddInventoryItems', body), 400, 'InvalidParams', 1000);
    const old = await h.server('GET', `/v1/orders/${firstOrder}`);
    expect(old.body).toMatchObject({ client_order_ref_id: IdempotencyId, status: 'succeeded' });
  });

  it('GetTransactionHistory reads at most 1,000 changes for one page, and says where to go on', async () => {
    const player = newPlayer();
    // 1,100 changes the filter leaves out (made by Player Orders), then one it keeps.
    const entries = JSON.stringify([
      {
        entry_id: 'e',
        type: 'add_inventory_stack',
        result: 'success',
        details: [
          {
            type: 'inventory_change',
            loot_id: null,
            inv_change: {
              before: null,
              after: {
                inventory_id: randomUUID(),
                item_id: GOLD,
                count: 1,
                stack_id: 'default',
                collection_id: 'default',
              },
            },
          },
        ],
      },
    ]);
    await h.sql(
      `insert into player_order (order_id, player_uuid, request_hash, status, is_transaction, entries, applied_seq, completed_time)
       select 'hist-' || n || '-' || ?, ?, 'h', 'succeeded', false, ?::jsonb, n, now() from generate_series(1, 1100) n`,
      [player, player, entries],
    );
    await h.sql(
      `insert into order_key (order_id, player_uuid) select 'hist-' || n || '-' || ?, ? from generate_series(1, 1100) n`,
      [player, player],
    );
    await h.sql(
      `insert into inventory_change (player_uuid, seq, changes, order_id, order_player_uuid, item_ids, collection_ids)
       select ?, n, 1, 'hist-' || n || '-' || ?, ?, '[${GOLD}]', '["default"]' from generate_series(1, 1100) n`,
      [player, player, player],
    );
    await h.sql(
      'insert into player (player_uuid, next_applied_seq, next_history_seq) values (?, 1101, 1101)',
      [player],
    );
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD' }, Amount: 1 });
    const added = { Entity: entity(player), Count: 5, Filter: "apiname eq 'AddInventoryItems'" };
    const first = await ok('GetTransactionHistory', added);
    expect(first.Transactions).toEqual([]);
    expect(first.ContinuationToken).toEqual(expect.any(String));
    const next = await ok('GetTransactionHistory', { ...added, ContinuationToken: first.ContinuationToken });
    expect(next.Transactions.map((t: { ApiName: string }) => t.ApiName)).toEqual(['AddInventoryItems']);
    expect(next.ContinuationToken).toBeUndefined();
  });

  it('the 3,501st record is OverLimit and changes nothing', async () => {
    const player = newPlayer();
    await h.sql('insert into player (player_uuid, next_legacy_inventory_id) values (?, 3501)', [player]);
    await h.sql(
      `insert into inventory_record (inventory_id, player_uuid, legacy_inventory_id, item_id, type, bucket, count, acquired, custom_data, stack_id)
       select gen_random_uuid(), ?, n, ${GOLD}, 'persistent', 'free', 1, now(), '{}', 's' || n from generate_series(1, 3500) n`,
      [player],
    );
    const response = await call('AddInventoryItems', {
      Entity: entity(player),
      Item: { Id: 'GD', StackId: 'new' },
      Amount: 1,
    });
    expectError(response, 400, 'OverLimit', 1214);
    await ok('AddInventoryItems', { Entity: entity(player), Item: { Id: 'GD', StackId: 's1' }, Amount: 1 });
  });
});
