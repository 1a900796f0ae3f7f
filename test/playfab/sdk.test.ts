// The SDK's calls are plain module functions (`exports.AddInventoryItems = function ...`) that never
// read `this`; the typings declare them as methods, which is all this rule sees.
/* eslint-disable @typescript-eslint/unbound-method */
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import playfab from 'playfab-sdk';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * PlayFab's own Node SDK (playfab-sdk from npm), with only its server URL changed, against Armory.
 * The SDK speaks https only, so the test puts a TLS endpoint with a certificate it makes in front
 * of the service; that endpoint is the test's, not the product's.
 */

const { PlayFab, PlayFabAuthentication, PlayFabEconomy } = playfab;

const GOLD = 1;
const SWORD = 10;
const SHIELD = 11;
const STORE = 5;
const OFFER = 100;

let h: Harness;
let tls: TcpProxy;
beforeAll(async () => {
  h = await startHarness({
    catalog: {
      items: [
        { id: GOLD, name: 'Gold', friendly_id: 'GD', currency: true },
        { id: SWORD, name: 'Sword', friendly_id: 'sword' },
        { id: SHIELD, name: 'Shield', friendly_id: 'shield' },
      ],
      vendors: [{ id: STORE, name: 'Store' }],
      loot: [
        {
          id: OFFER,
          name: 'Sword and shield',
          friendly_id: 'offer',
          vendor_id: STORE,
          prices: [{ price_item_id: GOLD, price: 30 }],
          contents: [
            { item_id: SWORD, quantity: 1 },
            { item_id: SHIELD, quantity: 1 },
          ],
        },
      ],
    },
  });
  const certificate = await generate([{ name: 'commonName', value: 'localhost' }], {
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    keyType: 'ec',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  tls = new TcpProxy('127.0.0.1', h.api.port, { key: certificate.private, cert: certificate.cert });
  await tls.start();
  // The SDK uses Node's default agent: trust the test's certificate there.
  https.globalAgent.options.ca = certificate.cert;
  // The one setting a game changes: the server URL (the title id and secret key are the game's own).
  PlayFab.settings.productionUrl = `https://127.0.0.1:${tls.port}/playfab`;
  PlayFab.settings.titleId = 'A1B2C';
  PlayFab.settings.developerSecretKey = SERVER_KEY;
});
afterAll(async () => {
  await tls.stop();
  await h.close();
});

type Callback<R extends PlayFabModule.IPlayFabResultCommon> = (
  error: PlayFabModule.IPlayFabError | null,
  result: PlayFabModule.IPlayFabSuccessContainer<R>,
) => void;

/** An SDK call as a promise of its `data`; an error is thrown as PlayFab's error envelope. */
function sdk<Q, R extends PlayFabModule.IPlayFabResultCommon>(
  method: (request: Q, callback: Callback<R>) => void,
  request: Q,
): Promise<R> {
  return new Promise((resolve, reject) =>
    method(request, (error, result) =>
      error ? reject(Object.assign(new Error(error.errorMessage), error)) : resolve(result.data),
    ),
  );
}
const economy = PlayFabEconomy;

it('gets a title token with the secret key, then adds, subtracts, updates, purchases, transfers, batches and reads', async () => {
  const token = await sdk(PlayFabAuthentication.GetEntityToken, {});
  expect(token.EntityToken).toEqual(expect.any(String));

  const player = newPlayer();
  const other = `PLAYFAB${Date.now()}`;
  const Entity = { Type: 'title_player_account', Id: player };

  await sdk(economy.AddInventoryItems, {
    Entity,
    Item: { Id: 'GD' },
    Amount: 100,
    IdempotencyId: randomUUID(),
  });
  await sdk(economy.SubtractInventoryItems, {
    Entity,
    Item: { Id: 'GD' },
    Amount: 10,
    DeleteEmptyStacks: false,
  });
  await sdk(economy.UpdateInventoryItems, {
    Entity,
    Item: { Id: 'sword', StackId: 'gilded', Amount: 2, DisplayProperties: { gilded: true } },
  });
  const purchase = await sdk(economy.PurchaseInventoryItems, {
    Entity,
    Item: { Id: 'offer' },
    Amount: 1,
    PriceAmounts: [{ ItemId: 'GD', Amount: 30 }],
    StoreId: String(STORE),
    DeleteEmptyStacks: false,
  });
  expect(purchase.TransactionIds).toHaveLength(1);

  // Between two players, and between two collections of one.
  const toOther = await sdk(economy.TransferInventoryItems, {
    GivingEntity: Entity,
    ReceivingEntity: { Type: 'title_player_account', Id: other },
    GivingItem: { Id: 'GD' },
    Amount: 20,
    DeleteEmptyStacks: false,
  });
  expect(toOther.OperationStatus).toBe('Completed');
  await sdk(economy.TransferInventoryItems, {
    GivingEntity: Entity,
    ReceivingEntity: Entity,
    GivingCollectionId: 'default',
    ReceivingCollectionId: 'vault',
    GivingItem: { Id: 'shield' },
    ReceivingItem: { Id: 'shield' },
    Amount: 1,
    DeleteEmptyStacks: true,
  });

  await sdk(economy.ExecuteInventoryOperations, {
    Entity,
    Operations: [
      { Add: { Item: { Id: 'GD' }, Amount: 5 } },
      { Subtract: { Item: { Id: 'sword', StackId: 'gilded' }, Amount: 1, DeleteEmptyStacks: false } },
    ],
  });

  // A failing batch changes nothing, and the SDK gets PlayFab's error.
  await expect(
    sdk(economy.ExecuteInventoryOperations, {
      Entity,
      Operations: [
        { Add: { Item: { Id: 'GD' }, Amount: 5 } },
        { Subtract: { Item: { Id: 'GD' }, Amount: 1000, DeleteEmptyStacks: false } },
      ],
    }),
  ).rejects.toMatchObject({ error: 'InsufficientFunds', errorCode: 1059 });

  const firstPage = await sdk(economy.GetInventoryItems, { Entity, Count: 2 });
  expect(firstPage.Items).toHaveLength(2);
  const secondPage = await sdk(economy.GetInventoryItems, {
    Entity,
    Count: 2,
    ContinuationToken: firstPage.ContinuationToken,
  });
  const items = [...firstPage.Items!, ...secondPage.Items!].map((item) => [
    item.Id,
    item.StackId,
    item.Amount,
  ]);
  expect(items).toEqual([
    [String(GOLD), 'default', 45],
    [String(SWORD), 'default', 1],
    [String(SWORD), 'gilded', 1],
  ]);
  const currencies = await sdk(economy.GetInventoryItems, {
    Entity,
    Count: 10,
    Filter: "type eq 'currency'",
  });
  expect(currencies.Items).toEqual([{ Id: String(GOLD), StackId: 'default', Amount: 45, Type: 'currency' }]);
  const vault = await sdk(economy.GetInventoryItems, { Entity, Count: 10, CollectionId: 'vault' });
  expect(vault.Items!.map((item) => [item.Id, item.Amount])).toEqual([[String(SHIELD), 1]]);
  const received = await sdk(economy.GetInventoryItems, {
    Entity: { Type: 'title_player_account', Id: other },
    Count: 10,
  });
  expect(received.Items!.map((item) => [item.Id, item.Amount])).toEqual([[String(GOLD), 20]]);

  const history = await sdk(economy.GetTransactionHistory, { Entity, Count: 50 });
  expect(history.Transactions!.map((transaction) => transaction.ApiName)).toEqual([
    'AddInventoryItems',
    'SubtractInventoryItems',
    'UpdateInventoryItems',
    'PurchaseInventoryItems',
    'TransferInventoryItems',
    'TransferInventoryItems',
    'ExecuteInventoryOperations',
    'ExecuteInventoryOperations',
  ]);
});
