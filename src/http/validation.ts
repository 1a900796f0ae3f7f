import type { Request } from 'express';
import type { z } from 'zod';
import { httpErrors, zodDetails } from './errors.js';

/** Parses one part of a request with its schema; a failure is a 422 naming every problem. */
export function parse<T extends z.ZodType>(
  schema: T,
  req: Request,
  part: 'body' | 'query' | 'params',
): z.output<T> {
  if (part === 'body' && req.res?.locals.malformedBody) throw httpErrors.malformedBody();
  const parsed = schema.safeParse(req[part]);
  if (!parsed.success)
    throw httpErrors.validationFailed(zodDetails(parsed.error, [part === 'params' ? 'path' : part]));
  return parsed.data;
}
