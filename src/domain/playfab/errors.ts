import type { ResultCode } from '../vocabulary.js';

/**
 * PlayFab's error names, numbers and HTTP statuses, as its SDKs read them (`error`, `errorCode`).
 * PlayFab's spec documents only 400 for its errors; where PlayFab's docs give another status (401,
 * 403, 412, 304, 429) or HTTP's meaning is plain (404, 500, 503), that status is used.
 */
export const PLAYFAB_ERRORS = {
  InvalidParams: { errorCode: 1000, status: 400 },
  ItemNotFound: { errorCode: 1047, status: 400 },
  InsufficientFunds: { errorCode: 1059, status: 400 },
  NotAuthenticated: { errorCode: 1074, status: 401 },
  NotAuthorized: { errorCode: 1089, status: 403 },
  InternalServerError: { errorCode: 1110, status: 500 },
  ServiceUnavailable: { errorCode: 1123, status: 503 },
  APIClientRequestRateLimitExceeded: { errorCode: 1199, status: 429 },
  OverLimit: { errorCode: 1214, status: 400 },
  StoreNotFound: { errorCode: 1221, status: 400 },
  EntityTokenInvalid: { errorCode: 1335, status: 401 },
  EntityTokenExpired: { errorCode: 1336, status: 401 },
  InvalidEntityType: { errorCode: 1373, status: 400 },
  ResourceNotModified: { errorCode: 1606, status: 304 },
  PreconditionFailed: { errorCode: 1610, status: 412 },
  InventoryApiNotImplemented: { errorCode: 12000, status: 404 },
  InventoryCollectionDeletionDisallowed: { errorCode: 12001, status: 400 },
} as const;
export type PlayFabErrorName = keyof typeof PLAYFAB_ERRORS;

/** HTTP's reason phrases as PlayFab writes them in `status`. */
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  202: 'Accepted',
  304: 'NotModified',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};
export const statusText = (status: number) => STATUS_TEXT[status] ?? 'BadRequest';

/** A PlayFab error: what every failure under /playfab answers, in PlayFab's envelope. */
export class PlayFabError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(
    readonly error: PlayFabErrorName,
    message: string,
    readonly details?: Record<string, string[]>,
  ) {
    super(message);
    this.status = PLAYFAB_ERRORS[error].status;
    this.errorCode = PLAYFAB_ERRORS[error].errorCode;
  }

  body() {
    return {
      code: this.status,
      status: statusText(this.status),
      error: this.error,
      errorCode: this.errorCode,
      errorMessage: this.message,
      ...(this.details && { errorDetails: this.details }),
    };
  }
}

/** The PlayFab error of an entry's result code, when a write's order fails. */
const RESULT_ERRORS: Partial<Record<ResultCode, PlayFabErrorName>> = {
  cannot_afford_price: 'InsufficientFunds',
  cannot_afford_coupon: 'InsufficientFunds',
  failed_to_spend_price: 'InsufficientFunds',
  failed_to_spend_coupon: 'InsufficientFunds',
  failed_to_consume_loot_required: 'InsufficientFunds',
  item_not_found: 'ItemNotFound',
  inventory_not_found: 'ItemNotFound',
  loot_not_found: 'ItemNotFound',
  price_item_not_found: 'ItemNotFound',
  failed_to_modify_inventory: 'OverLimit',
  collection_etag_does_not_match: 'PreconditionFailed',
  permission_denied: 'NotAuthorized',
  loot_not_fillable_from_client: 'NotAuthorized',
  internal_error: 'InternalServerError',
};

export function errorOfResult(result: ResultCode): PlayFabErrorName {
  return RESULT_ERRORS[result] ?? 'InvalidParams';
}
