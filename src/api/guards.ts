import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { HttpError, httpErrors } from '../http/errors.js';
import type { Credential } from '../http/routes.js';
import { identifyCaller, requireRole, secretsEqual, type CallerRole } from './auth.js';
import { SIGNATURE_HEADER } from './routes/webhooks.js';

/** What a browser is told on a 401, so that it asks for the admin key as a Basic password. */
export const DASHBOARD_CHALLENGE = 'Basic realm="armory"';

/** The password of `Authorization: Basic base64(user:password)`; the user name is ignored. */
function basicPassword(header: string): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * The dashboard's guard: the admin key as a bearer token (as on every admin route), or as the
 * password of HTTP Basic auth, which is what a browser can send. Every 401 carries a Basic challenge
 * so the browser shows its login prompt. A valid bearer credential other than the admin key (server
 * key, player token) is a 403, as elsewhere; a wrong Basic password is only a failed login (401).
 */
function requireAdminOrBasic(config: Config): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const refuse = (desc: string) => {
      res.set('WWW-Authenticate', DASHBOARD_CHALLENGE);
      return httpErrors.unauthorized(desc);
    };
    if (/^Basic\s/i.test(header)) {
      const password = basicPassword(header);
      if (password === null || !secretsEqual(password, config.ADMIN_API_KEY)) {
        throw refuse('the password must be the admin key');
      }
      next();
      return;
    }
    if (!header) throw refuse('the admin key is required (bearer, or as the Basic auth password)');
    let role: CallerRole;
    try {
      role = (await identifyCaller(config, header)).role;
    } catch (error) {
      if (error instanceof HttpError && error.status === 401)
        res.set('WWW-Authenticate', DASHBOARD_CHALLENGE);
      throw error;
    }
    if (role !== 'admin') throw httpErrors.forbidden();
    next();
  };
}

/**
 * The guard of each credential list a route declares. One rate limiter serves every player route,
 * so a player's requests are counted together whichever route they call. A webhook's signature is
 * checked by its handler, over the body's bytes.
 */
export function guardsFor(
  config: Config,
  playerLimit: RequestHandler,
): (credentials: Credential[]) => RequestHandler[] {
  return (credentials) => {
    if (credentials.includes('adminBasic')) return [requireAdminOrBasic(config)];
    if (credentials.includes('player')) return [requireRole(config, ['player']), playerLimit];
    const roles = credentials.filter((credential): credential is CallerRole =>
      ['admin', 'server'].includes(credential),
    );
    return roles.length > 0 ? [requireRole(config, roles)] : [];
  };
}

/** How the OpenAPI document describes each credential: the security scheme its guard enforces. */
export const CREDENTIAL_SCHEMES: Record<Credential, { scheme: string; definition: Record<string, unknown> }> =
  {
    admin: {
      scheme: 'adminKey',
      definition: {
        type: 'http',
        scheme: 'bearer',
        description: '`ADMIN_API_KEY`: ops, may use everything.',
      },
    },
    server: {
      scheme: 'serverKey',
      definition: {
        type: 'http',
        scheme: 'bearer',
        description: '`SERVER_API_KEY`: game servers, `/v1/orders` and `/v1/players/...`.',
      },
    },
    player: {
      scheme: 'playerToken',
      definition: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'HS256 signed with `PLAYER_JWT_SECRET`; `sub` is the player uuid, `exp` is required.',
      },
    },
    webhook: {
      scheme: 'webhookSignature',
      definition: {
        type: 'apiKey',
        in: 'header',
        name: SIGNATURE_HEADER,
        description:
          '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, secret per platform.',
      },
    },
    adminBasic: {
      scheme: 'adminBasic',
      definition: {
        type: 'http',
        scheme: 'basic',
        description: 'HTTP Basic with `ADMIN_API_KEY` as the password (any user name); the dashboard only.',
      },
    },
  };
