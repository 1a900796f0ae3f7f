import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { httpErrors } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { serversOf, type RedisConnection } from '../redis.js';
import { callingPlayer } from './auth.js';

/**
 * Requests per player per minute on the player-client routes: a misbehaving or hostile client
 * cannot flood the order queue. Counted in Redis, so the limit is the fleet's, however many API
 * processes share the players; game servers and ops (keys) are not limited here. When Redis cannot
 * count (it is away), requests go through: the limit protects the queue, and orders are stored in
 * PostgreSQL whatever Redis does.
 */
export function playerRateLimit(
  perMinute: number,
  { redis, keyPrefix, logger }: { redis: RedisConnection; keyPrefix: string; logger: Logger },
): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => callingPlayer(res),
    store: new RedisStore({
      prefix: `${keyPrefix}:rate-limit:`,
      sendCommandCluster: ({ command }) => sendCommand(redis, command),
    }),
    passOnStoreError: true,
    logger: {
      error: (error, message) => logger.warn({ err: error }, message ?? 'rate limit error'),
      warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limit warning'),
    },
    // Answered by the error handler like every other error; express-rate-limit has set Retry-After.
    handler: (_req, _res, next) => next(httpErrors.tooManyRequests(perMinute)),
  });
}

/**
 * The store's commands. Its two scripts are loaded on every server (each master of a cluster runs
 * the scripts of the keys it holds), and their SHA is answered even when Redis cannot be reached:
 * it is the script's own SHA-1, and the store keeps the first answer it gets for good, so a failed
 * load at startup would otherwise leave the limit broken until a restart. A server that lacks the
 * script answers NOSCRIPT, and the store loads it again.
 */
async function sendCommand(redis: RedisConnection, [name, ...args]: string[]): Promise<RedisReply> {
  if (name === 'SCRIPT' && args[0] === 'LOAD') {
    await Promise.allSettled(serversOf(redis).map((server) => server.call('SCRIPT', ...args)));
    return createHash('sha1').update(args[1]!).digest('hex');
  }
  return (await redis.call(name!, ...args)) as RedisReply;
}
