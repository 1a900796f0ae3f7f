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
    if (error instanceof HttpError) {
      if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json(error.body);
      return;
    }
    const parserError = error as BodyParserError;
    if (parserError.type === 'entity.parse.failed') {
      res.status(422).json({ detail: [MALFORMED_BODY] });
      return;
    }
    if (parserError.type === 'entity.too.large') {
      res.status(413).json({ error_code: 'payload_too_large', desc: 'request body is over 1 MiB' });
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      const unsupported = parserError.status === 415;
      res.status(parserError.status).json({
        error_code: unsupported ? 'unsupported_media_type' : 'bad_request',
        desc: unsupported
          ? 'the body is in an encoding or charset this API does not read'
          : 'the request could not be read',
      });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error, method: req.method, path: req.path }, 'database unavailable');
      res
        .status(503)
        .set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS))
        .json({ error_code: 'unavailable', desc: 'the database cannot be reached; try again shortly' });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error_code: 'internal_error', desc: 'internal error' });
  };
}
