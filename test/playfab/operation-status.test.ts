import { afterAll, beforeAll, expect, it } from 'vitest';
import { newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

/**
 * A PlayFab write that is not final within PLAYFAB_WAIT_SECONDS (0 here) answers 202 with an
 * OperationToken, which GetInventoryOperationStatus resolves.
 */

const GOLD = 1;

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness({
    catalog: { items: [{ id: GOLD, name: 'Gold', friendly_id: 'GD', currency: true }] },
    env: { PLAYFAB_WAIT_SECONDS: '0' },
  });
  const response = await h.request('POST', '/playfab/Authentication/GetEntityToken', {
    body: {},
    headers: { 'X-SecretKey': SERVER_KEY },
  });
  token = response.body.data.EntityToken;
});
afterAll(() => h.close());

const call = (name: string, body: Record<string, unknown>) =>
  h.request('POST', `/playfab/Inventory/${name}`, { body, headers: { 'X-EntityToken': token } });

it('answers 202 InProgress with an OperationToken that GetInventoryOperationStatus resolves to Completed', async () => {
  const player = newPlayer();
  const Entity = { Type: 'title_player_account', Id: player };
  const add = await call('AddInventoryItems', { Entity, Item: { Id: 'GD' }, Amount: 5 });
  expect(add.status).toBe(202);
  expect(add.body).toMatchObject({ code: 202, status: 'Accepted', data: { OperationStatus: 'InProgress' } });
  const OperationToken = add.body.data.OperationToken as string;
  await until(async () => {
    const status = await call('GetInventoryOperationStatus', { Entity, OperationToken });
    return status.body.data?.OperationStatus === 'Completed';
  }, 'the add to complete');
  expect(await h.balance(player, GOLD)).toBe(5);
  const failing = await call('SubtractInventoryItems', { Entity, Item: { Id: 'GD' }, Amount: 6 });
  expect(failing.status).toBe(202);
  await until(async () => {
    const status = await call('GetInventoryOperationStatus', {
      Entity,
      OperationToken: failing.body.data.OperationToken,
    });
    return status.body.data?.OperationStatus === 'Failed';
  }, 'the subtract to fail');
  // Another player's token, or one never given, is not found.
  const other = await call('GetInventoryOperationStatus', {
    Entity: { Type: 'title_player_account', Id: newPlayer() },
    OperationToken,
  });
  expect(other.status).toBe(400);
  expect(other.body.error).toBe('InvalidParams');
});
