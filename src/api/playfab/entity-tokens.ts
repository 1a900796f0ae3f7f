import { hkdfSync } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config.js';
import { PlayFabError } from '../../domain/playfab/errors.js';
import { HttpError } from '../../http/errors.js';
import { secretsEqual, verifyPlayerToken } from '../auth.js';

/**
 * PlayFab's entity tokens. A title token is what `GetEntityToken` gives for the secret key (Armory's
 * SERVER_API_KEY): a JWT signed with a key derived from that secret, so only a holder of the server
 * key can mint one, and changing the key revokes every title token. A player JWT (Armory's player
 * token) is accepted as an entity token for its own player.
 */

/** How long a title token lasts: PlayFab's entity tokens last a day. */
export const TITLE_TOKEN_SECONDS = 24 * 3600;
const TITLE_TOKEN_TYPE = 'armory-playfab-title';

const titleKey = (config: Config) =>
  new Uint8Array(hkdfSync('sha256', config.SERVER_API_KEY, 'armory', 'playfab title entity token', 32));

export type EntityCaller = { kind: 'title' } | { kind: 'player'; playerUuid: string };

/** The secret key of `X-SecretKey`, checked in constant time. */
export function checkSecretKey(config: Config, secretKey: string | undefined): void {
  if (!secretKey) throw new PlayFabError('NotAuthenticated', 'X-SecretKey or X-EntityToken is required');
  if (!secretsEqual(secretKey, config.SERVER_API_KEY)) {
    throw new PlayFabError('NotAuthenticated', 'the secret key is not valid');
  }
}

export async function mintTitleToken(config: Config, now: Date): Promise<{ token: string; expires: Date }> {
  const expires = new Date(now.getTime() + TITLE_TOKEN_SECONDS * 1000);
  const token = await new SignJWT({ typ: TITLE_TOKEN_TYPE })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expires.getTime() / 1000))
    .sign(titleKey(config));
  return { token, expires };
}

/** Who an `X-EntityToken` is: a title token, or a player's own token; else the reason it is refused. */
export async function identifyEntity(config: Config, token: string | undefined): Promise<EntityCaller> {
  if (!token) throw new PlayFabError('NotAuthenticated', 'X-EntityToken is required');
  try {
    const { payload } = await jwtVerify(token, titleKey(config), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
    });
    if (payload.typ === TITLE_TOKEN_TYPE) return { kind: 'title' };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      throw new PlayFabError('EntityTokenExpired', 'the entity token has expired; get a new one');
    }
  }
  try {
    const caller = await verifyPlayerToken(config, token);
    if (caller.role === 'player') return { kind: 'player', playerUuid: caller.playerUuid };
  } catch (error) {
    if (error instanceof HttpError && error.body.error_code === 'token_expired') {
      throw new PlayFabError('EntityTokenExpired', 'the entity token has expired; get a new one');
    }
  }
  throw new PlayFabError('EntityTokenInvalid', 'the entity token is not valid');
}
