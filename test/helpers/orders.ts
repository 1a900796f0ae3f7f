import type { Harness, TestResponse } from './harness.js';

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
