import { expect } from 'vitest';
import type { TestResponse } from './harness.js';

/** Not a 5xx, and nothing in the body looks like a stack trace or a source location. */
export function expectNoLeak(response: TestResponse): void {
  expect(response.status).toBeLessThan(500);
  expectNoTrace(response);
}

/** Nothing in the body looks like a stack trace or a source location (a 503 too). */
export function expectNoTrace(response: TestResponse): void {
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  expect(text).not.toMatch(/\bstack\b/i);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toMatch(/node_modules|\.ts:\d+|\.js:\d+/);
}

/** A 422 in the API's shape: `{detail: [{loc, msg, type}]}`, one of whose items is at `loc`. */
export function expectValidation(response: TestResponse, loc: (string | number)[]): void {
  expectNoLeak(response);
  expect(response.status).toBe(422);
  expect(Object.keys(response.body as object)).toEqual(['detail']);
  const detail = response.body.detail as { loc: unknown; msg: unknown; type: unknown }[];
  expect(Array.isArray(detail)).toBe(true);
  expect(detail.length).toBeGreaterThan(0);
  for (const item of detail) {
    expect(Object.keys(item).sort()).toEqual(['loc', 'msg', 'type']);
    expect(Array.isArray(item.loc)).toBe(true);
    expect(typeof item.msg).toBe('string');
    expect(typeof item.type).toBe('string');
  }
  expect(detail.map((item) => item.loc)).toContainEqual(loc);
}

/** `{error_code, desc}` and nothing else. */
export function expectErrorBody(response: TestResponse, status: number, errorCode?: string): void {
  expectNoTrace(response);
  expect(response.status).toBe(status);
  expect(Object.keys(response.body as object).sort()).toEqual(['desc', 'error_code']);
  expect(typeof response.body.desc).toBe('string');
  if (errorCode) expect(response.body.error_code).toBe(errorCode);
  else expect(typeof response.body.error_code).toBe('string');
}

/** 401 or 403 in the API's shape: `auth_success` false on 401, true on 403. */
export function expectAuthError(response: TestResponse, status: 401 | 403): void {
  expectNoLeak(response);
  expect(response.status).toBe(status);
  expect(Object.keys(response.body as object).sort()).toEqual(['auth_success', 'desc', 'error_code']);
  expect(response.body.auth_success).toBe(status === 403);
  expect(typeof response.body.error_code).toBe('string');
  expect(response.body.error_code.length).toBeGreaterThan(0);
  expect(typeof response.body.desc).toBe('string');
}
