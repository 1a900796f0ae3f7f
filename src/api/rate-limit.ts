import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { httpErrors } from '../http/errors.js';
import { callingPlayer } from './auth.js';

/**
 * Requests per player per minute on the player-client routes: a misbehaving or hostile client
 * cannot flood the order queue. Counted in this process's memory, so N API processes allow N times
 * the limit; game servers and ops (keys) are not limited here.
 */
export function playerRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => callingPlayer(res),
    // Answered by the error handler like every other error; express-rate-limit has set Retry-After.
    handler: (_req, _res, next) => next(httpErrors.tooManyRequests(perMinute)),
  });
}
