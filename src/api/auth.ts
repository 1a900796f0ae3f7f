import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { HttpError } from './errors.js';

export type Role = 'admin' | 'server';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares secrets in constant time; hashing first makes the lengths equal too. */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

export function requireRole(config: Config, allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) throw HttpError.auth(401, 'unauthorized', 'a bearer credential is required');
    const adminMatch = secretsEqual(token, config.ADMIN_API_KEY);
    const serverMatch = secretsEqual(token, config.SERVER_API_KEY);
    const role: Role | null = adminMatch ? 'admin' : serverMatch ? 'server' : null;
    if (!role) throw HttpError.auth(401, 'unauthorized', 'the credential is not valid');
    if (!allowed.includes(role))
      throw HttpError.auth(403, 'forbidden', 'this credential may not use this endpoint');
    next();
  };
}
