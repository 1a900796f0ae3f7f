import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
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
    handler: (_req, res) => {
      // express-rate-limit has already set Retry-After.
      res
        .status(429)
        .json({ error_code: 'too_many_requests', desc: `more than ${perMinute} requests a minute` });
    },
  });
}
