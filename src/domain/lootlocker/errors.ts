import type { ResultCode } from '../vocabulary.js';

/**
 * LootLocker's error body, `{"code", "doc_url", "message", "request_id", "trace_id"}`, on every
 * failure under /lootlocker. Clients branch on `code` (snake case) and the HTTP status.
 */
export const LOOTLOCKER_ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  too_many_requests: 429,
  internal_server_error: 500,
  service_unavailable: 503,
} as const;
export type LootLockerErrorCode = keyof typeof LOOTLOCKER_ERRORS;

/** Where a caller reads what a code means: the guide to this API in Armory's repository. */
export const LOOTLOCKER_DOC_URL = 'docs/lootlocker.md#errors';

export class LootLockerError extends Error {
  readonly status: number;
  constructor(
    readonly code: LootLockerErrorCode,
    message: string,
  ) {
    super(message);
    this.status = LOOTLOCKER_ERRORS[code];
  }

  body(requestId: string) {
    return {
      code: this.code,
      doc_url: LOOTLOCKER_DOC_URL,
      message: this.message,
      request_id: requestId,
      trace_id: requestId,
    };
  }
}

/** The error of an entry's result code, when a write's order fails. */
const RESULT_ERRORS: Partial<Record<ResultCode, LootLockerErrorCode>> = {
  item_not_found: 'not_found',
  inventory_not_found: 'not_found',
  cannot_afford_price: 'forbidden',
  permission_denied: 'forbidden',
  internal_error: 'internal_server_error',
};

export const errorOfResult = (result: ResultCode): LootLockerErrorCode =>
  RESULT_ERRORS[result] ?? 'bad_request';
