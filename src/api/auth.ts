import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config.js';
import { uuid } from '../domain/schema-types.js';
import { httpErrors } from '../http/errors.js';

/** Who is calling: an ops key, a game-server key, or a player client with its own uuid. */
export type Caller = { role: 'admin' } | { role: 'server' } | { role: 'player'; playerUuid: string };
export type CallerRole = Caller['role'];

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares secrets in constant time; hashing first makes the lengths equal too. */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * A player token as a game's login service issues it: HS256, `sub` the player, `exp` after
 * `expiresIn` (a jose time span such as `1h` or `7d`). Armory only verifies tokens; this is for
 * development and tests (`npm run ops -- token <player>`).
 */
export function signPlayerToken(secret: string, playerUuid: string, expiresIn = '1h'): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(playerUuid)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/**
 * A player token: HS256 only (`alg: none` and every other algorithm are refused), signed with
 * PLAYER_JWT_SECRET, `exp` in the future, `sub` the player's uuid.
 */
export async function verifyPlayerToken(config: Config, token: string): Promise<Caller> {
  let sub: unknown;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(config.PLAYER_JWT_SECRET), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
    });
    sub = payload.sub;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw httpErrors.tokenExpired();
    throw httpErrors.unauthorized('the credential is not valid');
  }
  const playerUuid = uuid.safeParse(sub);
  if (!playerUuid.success) throw httpErrors.unauthorized('the player token subject is not a player uuid');
  return { role: 'player', playerUuid: playerUuid.data };
}

/** Identifies the caller from its bearer credential; a missing or invalid one is a 401. */
export async function identifyCaller(config: Config, authorization: string | undefined): Promise<Caller> {
  const token = bearerToken(authorization);
  if (!token) throw httpErrors.unauthorized('a bearer credential is required');
  // Both keys are always compared, so the time taken does not tell which one was close.
  const adminMatch = secretsEqual(token, config.ADMIN_API_KEY);
  const serverMatch = secretsEqual(token, config.SERVER_API_KEY);
  if (adminMatch) return { role: 'admin' };
  if (serverMatch) return { role: 'server' };
  return verifyPlayerToken(config, token);
}

/** Lets through only callers of the given roles (401 unidentified, 403 not allowed here). */
export function requireRole(config: Config, allowed: CallerRole[]): RequestHandler {
  return async (req, res, next) => {
    const caller = await identifyCaller(config, req.get('authorization'));
    if (!allowed.includes(caller.role)) throw httpErrors.forbidden();
    res.locals.caller = caller;
    next();
  };
}

/** The player a request behind the `player` credential acts for. */
export function callingPlayer(res: Response): string {
  const caller = res.locals.caller as Caller | undefined;
  if (caller?.role !== 'player') throw new Error('callingPlayer used on a route not guarded for players');
  return caller.playerUuid;
}
