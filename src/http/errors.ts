import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Logger } from '../logger.js';

/** The largest request body accepted: larger is a 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long a caller is asked to wait after a 503 while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export interface ValidationDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** The one error type routes throw; mapped to a response in one place (errorHandler). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(typeof body.desc === 'string' ? body.desc : `HTTP ${status}`);
  }

  static of(status: number, errorCode: string, desc: string): HttpError {
    return new HttpError(status, { error_code: errorCode, desc });
  }

  static validation(detail: ValidationDetail[]): HttpError {
    return new HttpError(422, { detail });
  }

  /** 401 for a missing or bad credential, 403 for a good one without the right. */
  static auth(status: 401 | 403, errorCode: string, desc: string): HttpError {
    return new HttpError(status, { auth_success: status === 403, error_code: errorCode, desc });
  }
}

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

const MALFORMED_BODY = { loc: ['body'], msg: 'malformed JSON', type: 'json_invalid' };

/** Notes a body that is not JSON and goes on; `parse` (validation.ts) answers 422 for it. */
export const deferMalformedBody: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if ((error as BodyParserError).type !== 'entity.parse.failed') {
    next(error);
    return;
  }
  res.locals.malformedBody = true;
  next();
};

export const malformedBodyError = () => HttpError.validation([MALFORMED_BODY]);

export const notFound: RequestHandler = (req) => {
  throw HttpError.of(404, 'not_found', `no route for ${req.method} ${req.path}`);
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

/** Every error a route or a body parser throws, as the answer it gets; what is not the caller's fault is logged. */
function asHttpError(error: unknown, log: (level: 'warn' | 'error', message: string) => void): HttpError {
  if (error instanceof HttpError) return error;
  const parserError = error as BodyParserError;
  if (parserError.type === 'entity.parse.failed') return malformedBodyError();
  if (parserError.type === 'entity.too.large') {
    return HttpError.of(413, 'payload_too_large', 'request body is over 1 MiB');
  }
  if (parserError.status === 415) {
    return HttpError.of(
      415,
      'unsupported_media_type',
      'the body is in an encoding or charset this API does not read',
    );
  }
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return HttpError.of(parserError.status, 'bad_request', 'the request could not be read');
  }
  if (isDatabaseUnavailable(error)) {
    log('warn', 'database unavailable');
    return new HttpError(
      503,
      { error_code: 'unavailable', desc: 'the database cannot be reached; try again shortly' },
      DATABASE_RETRY_AFTER_SECONDS,
    );
  }
  log('error', 'request failed');
  return HttpError.of(500, 'internal_error', 'internal error');
}
