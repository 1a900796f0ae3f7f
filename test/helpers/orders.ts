import { expect } from 'vitest';
import type { Detail } from '../../src/domain/details.js';
import type { Harness, TestResponse } from './harness.js';
import { inventorySnapshot } from './holdings.js';

/** Waits until each order is final (Prefer: wait on GET), returning the final orders. */
export async function waitForOrders(h: Harness, orderIds: string[]): Promise<any[]> {
  const finals: any[] = [];
  for (const orderId of orderIds) {
    let response: TestResponse;
    do {
      response = await h.server('GET', `/v1/orders/${orderId}`, undefined, { prefer: 'wait=20' });
    } while (response.status === 202);
    if (response.status !== 200) throw new Error(`reading order ${orderId}: ${response.status}`);
    finals.push(response.body);
  }
  return finals;
}

export const results = (order: { entries: { result: string }[] }) =>
  order.entries.map((entry) => entry.result);

/** An order as the API answers it once final (the fields the entry suites read). */
export interface FinalOrder {
  order_id: string;
  status: string;
  entries: FinalEntry[];
}

export interface FinalEntry {
  result: string;
  details: Detail[];
}

/** Submits an order (server key), waits for its final state and answers it. */
export async function submitAndWait(h: Harness, order: Record<string, unknown>): Promise<FinalOrder> {
  const response = await h.submit(order);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as FinalOrder;
}

/**
 * Submits a one-entry order that must fail with `code`: the order fails, the entry has no details,
 * and everything its player holds is as it was. The HTTP counterpart of the engine's expectRefused.
 */
export async function expectOrderRefused(
  h: Harness,
  order: Record<string, unknown>,
  code: string,
): Promise<void> {
  const player = order.player_uuid as string;
  const before = await inventorySnapshot(h, player);
  const final = await submitAndWait(h, order);
  expect(final.entries[0]!.result, JSON.stringify(final.entries[0])).toBe(code);
  expect(final.status).toBe('failed');
  expect(final.entries[0]!.details).toEqual([]);
  expect(await inventorySnapshot(h, player)).toEqual(before);
}

/** Submits a one-entry order that must succeed; answers that entry (result and details). */
export async function expectOrderSucceeded(h: Harness, order: Record<string, unknown>): Promise<FinalEntry> {
  const final = await submitAndWait(h, order);
  expect(final.entries[0]!.result, JSON.stringify(final.entries[0])).toBe('success');
  expect(final.status).toBe('succeeded');
  return final.entries[0]!;
}

/** The stored status of each order, in the order given ('missing' for no such order). */
export async function statusesOf(h: Harness, ...orderIds: string[]): Promise<string[]> {
  const rows = await h.sql<{ order_id: string; status: string }>(
    'select order_id, status from player_order where order_id in (?)',
    [orderIds],
  );
  return orderIds.map((orderId) => rows.find((row) => row.order_id === orderId)?.status ?? 'missing');
}

/** The attempts PostgreSQL counted for each order (failed ones, and the one that made it final). */
export async function attemptsOf(h: Harness, ...orderIds: string[]): Promise<number[]> {
  const rows = await h.sql<{ order_id: string; attempts: number }>(
    'select order_id, attempts from player_order where order_id in (?)',
    [orderIds],
  );
  return orderIds.map((orderId) => rows.find((row) => row.order_id === orderId)?.attempts ?? -1);
}

/** Gives an order all but its last attempt, as if its earlier attempts had failed. */
export async function spendAllButLastAttempt(h: Harness, orderId: string): Promise<void> {
  await h.sql('update player_order set attempts = ? where order_id = ?', [
    h.config.JOB_ATTEMPTS - 1,
    orderId,
  ]);
}
