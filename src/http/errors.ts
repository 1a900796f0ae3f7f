import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Logger } from '../logger.js';
import type { ErrorStatus } from './routes.js';

/** The largest request body accepted: larger is a 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long a caller is asked to wait after a 503 while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Every error other than validation and authentication. */
export const errorBodySchema = z.object({ error_code: z.string(), desc: z.string() });

/** A refused credential: `auth_success` is false on 401, true on 403. */
export const authErrorBodySchema = errorBodySchema.extend({ auth_success: z.boolean() });

const validationDetailSchema = z.object({
  loc: z.array(z.union([z.string(), z.number().int()])),
  msg: z.string(),
  type: z.string(),
});
export type ValidationDetail = z.infer<typeof validationDetailSchema>;

/** A validation failure: one item per problem. */
export const validationErrorBodySchema = z.object({ detail: z.array(validationDetailSchema) });

/** The one error type routes throw; mapped to a response in one place (errorHandler). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(typeof body.desc === 'string' ? body.desc : `HTTP ${status}`);
  }
}

const failure = (status: number, errorCode: string, desc: string, retryAfterSeconds?: number) =>
  new HttpError(status, { error_code: errorCode, desc }, retryAfterSeconds);

/** 401 for a missing or bad credential, 403 for a good one without the right. */
const refusal = (status: 401 | 403, errorCode: string, desc: string) =>
  new HttpError(status, { auth_success: status === 403, error_code: errorCode, desc });

/** Every error the API answers, one factory per `error_code`: searching a code finds where it is made. */
export const httpErrors = {
  validationFailed: (detail: ValidationDetail[]) => new HttpError(422, { detail }),
  malformedBody: () =>
    new HttpError(422, { detail: [{ loc: ['body'], msg: 'malformed JSON', type: 'json_invalid' }] }),
  unauthorized: (desc: string) => refusal(401, 'unauthorized', desc),
  tokenExpired: () => refusal(401, 'token_expired', 'the player token has expired'),
  forbidden: (desc = 'this credential may not use this endpoint') => refusal(403, 'forbidden', desc),
  routeNotFound: (req: Request) => failure(404, 'not_found', `no route for ${req.method} ${req.path}`),
  orderNotFound: (orderId: string) => failure(404, 'order_not_found', `no order ${orderId}`),
  orderNotErrored: (orderId: string, status: string) =>
    failure(409, 'order_not_errored', `order ${orderId} is ${status}; only an errored order can be retried`),
  deliveryNotFound: (deliveryId: string) => failure(404, 'delivery_not_found', `no delivery ${deliveryId}`),
  orderNotRefundable: (orderId: string, why: string) =>
    failure(409, 'order_not_refundable', `order ${orderId} cannot be refunded: ${why}`),
  idempotencyConflict: () =>
    failure(409, 'idempotency_conflict', 'an order with this key exists with a different body'),
  /** 400, or the 4xx a body parser chose for a body it could not read. */
  badRequest: (desc = 'the request could not be read', status = 400) => failure(status, 'bad_request', desc),
  payloadTooLarge: (desc = 'request body is over 1 MiB') => failure(413, 'payload_too_large', desc),
  unsupportedMediaType: (desc = 'the body is in an encoding or charset this API does not read') =>
    failure(415, 'unsupported_media_type', desc),
  tooManyRequests: (perMinute: number) =>
    failure(429, 'too_many_requests', `more than ${perMinute} requests a minute`),
  unavailable: () =>
    failure(
      503,
      'unavailable',
      'the database cannot be reached; try again shortly',
      DATABASE_RETRY_AFTER_SECONDS,
    ),
  queueUnavailable: () => failure(503, 'queue_unavailable', 'the queue (Redis) cannot be reached'),
  internalError: () => failure(500, 'internal_error', 'internal error'),
};

export function zodDetails(error: z.ZodError, prefix: (string | number)[]): ValidationDetail[] {
  return error.issues.map((issue) => {
    const declared = (issue as { params?: { type?: string } }).params?.type;
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    return {
      loc: [...prefix, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
      msg: issue.message,
      type: declared ?? (missing ? 'missing' : issue.code),
    };
  });
}

/** Notes a body that is not JSON and goes on; `parse` (src/http/validation.ts) answers 422 for it. */
export const deferMalformedBody: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if ((error as BodyParserError).type !== 'entity.parse.failed') {
    next(error);
    return;
  }
  res.locals.malformedBody = true;
  next();
};

/** The last handler: nothing matched. */
export const notFoundRoute = (req: Request): never => {
  throw httpErrors.routeNotFound(req);
};

interface BodyParserError {
  type?: string;
  status?: number;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // The request's own logger (pino-http's child) carries its request_id.
    const log = (req as { log?: Logger }).log ?? logger;
    const answer = asHttpError(error, (level, message) =>
      log[level]({ err: error, method: req.method, path: req.path }, message),
    );
    if (answer.retryAfterSeconds !== undefined) res.set('Retry-After', String(answer.retryAfterSeconds));
    res.status(answer.status).json(answer.body);
  };
}

/**
 * The error handler of an API with an error shape of its own (/playfab, /lootlocker): its own
 * errors (`isOwn`) as they are; any other (a body that does not parse, the rate limit, the database
 * away) classified as every route's would be, `Retry-After` set, then put in its terms (`convert`).
 */
export function ownShapeErrorHandler<E>(
  logger: Logger,
  isOwn: (error: unknown) => error is E,
  convert: (answer: HttpError) => E,
  send: (failure: E, req: Request, res: Response) => void,
): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (isOwn(error)) {
      send(error, req, res);
      return;
    }
    const answer = asHttpError(error, (level, message) =>
      logger[level]({ err: error, method: req.method, path: req.originalUrl }, message),
    );
    if (answer.retryAfterSeconds !== undefined) res.set('Retry-After', String(answer.retryAfterSeconds));
    send(convert(answer), req, res);
  };
}

/**
 * Every error a route or a body parser throws, as the answer it gets; what is not the caller's
 * fault is logged. The compatible APIs (/playfab, /lootlocker) read it to answer in their own terms.
 */
export function asHttpError(
  error: unknown,
  log: (level: 'warn' | 'error', message: string) => void,
): HttpError {
  if (error instanceof HttpError) return error;
  const parserError = error as BodyParserError;
  if (parserError.type === 'entity.parse.failed') return httpErrors.malformedBody();
  if (parserError.type === 'entity.too.large') return httpErrors.payloadTooLarge();
  if (parserError.status === 415) return httpErrors.unsupportedMediaType();
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return httpErrors.badRequest(undefined, parserError.status);
  }
  if (isDatabaseUnavailable(error)) {
    log('warn', 'database unavailable');
    return httpErrors.unavailable();
  }
  log('error', 'request failed');
  return httpErrors.internalError();
}

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** How the OpenAPI document describes each error status: one shared response each. */
export const ERROR_STATUS_DOCS: Record<
  ErrorStatus,
  { name: string; description: string; schema: string; headers?: Record<string, unknown> }
> = {
  400: {
    name: 'BadRequest',
    description: 'The body could not be read (a compressed body that does not decompress).',
    schema: 'Error',
  },
  401: {
    name: 'Unauthorized',
    description: 'Missing or invalid credential (`auth_success: false`).',
    schema: 'AuthError',
  },
  403: {
    name: 'Forbidden',
    description: 'Valid credential, not allowed here (`auth_success: true`).',
    schema: 'AuthError',
  },
  404: {
    name: 'NotFound',
    description: 'Nothing by that name here (for a player: none of its own).',
    schema: 'Error',
  },
  409: {
    name: 'Conflict',
    description:
      'The same idempotency key with another body (`idempotency_conflict`), or an order not in a state that allows this.',
    schema: 'Error',
  },
  413: { name: 'PayloadTooLarge', description: 'Body over 1 MiB (decompressed).', schema: 'Error' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'A `Content-Encoding` (gzip, deflate and br are read) or charset this API does not read.',
    schema: 'Error',
  },
  422: {
    name: 'ValidationFailed',
    description: 'Invalid request: one item per problem, `loc` names it.',
    schema: 'ValidationError',
  },
  429: {
    name: 'TooManyRequests',
    description:
      'Over `PLAYER_RATE_LIMIT_PER_MINUTE` requests in a minute from this player (`too_many_requests`).',
    schema: 'Error',
    headers: retryAfter,
  },
  503: {
    name: 'Unavailable',
    description:
      'PostgreSQL cannot be reached (`unavailable`). Nothing is half-stored: a submit answered 503 stored ' +
      'its order whole or not at all, so send it again with the same `order_id` or `client_order_ref_id` ' +
      'after `Retry-After`.',
    schema: 'Error',
    headers: retryAfter,
  },
};
