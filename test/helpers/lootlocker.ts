import { expect } from 'vitest';
import { SERVER_KEY, type Harness, type TestResponse } from './harness.js';

/** A LootLocker game server's side of the wire: its headers, its session, its calls, its error body. */

const LL_HEADERS = { 'LL-Version': '2021-03-01' };

/** `POST /server/session` with a server key (Armory's by default). */
export const startSession = (h: Harness, key = SERVER_KEY) =>
  h.request('POST', '/lootlocker/server/session', {
    body: { game_version: '1.0.0' },
    headers: { ...LL_HEADERS, 'x-server-key': key },
  });

/** Calls under /lootlocker/server with the session token `token()` gives at the time. */
export const lootLockerCaller =
  (h: Harness, token: () => string) =>
  (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    h.request(method, `/lootlocker/server${path}`, {
      body,
      headers: { ...LL_HEADERS, 'x-auth-token': token(), ...headers },
    });

/** LootLocker's error body, exactly, with `code` and the HTTP status. */
export function expectLootLockerError(response: TestResponse, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({
    code,
    doc_url: expect.any(String),
    message: expect.any(String),
    request_id: expect.any(String),
    trace_id: expect.any(String),
  });
}
