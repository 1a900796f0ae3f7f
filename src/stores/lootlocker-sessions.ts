import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from './sql.js';

/**
 * LootLocker server sessions. A token is random; only its digest is stored, with when it lapses.
 * It lives `ttlSeconds` from its creation or its last ping, as LootLocker's do (ping "at least
 * once per hour").
 */

const digestOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(em: EntityManager, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await runSql(
    em,
    `with lapsed as (
       delete from loot_locker_session
        where token_digest in (select token_digest from loot_locker_session where expires_at < clock_timestamp() limit 100)
     )
     insert into loot_locker_session (token_digest, expires_at)
     values (?, clock_timestamp() + make_interval(secs => ?))`,
    [digestOf(token), ttlSeconds],
  );
  return token;
}

/** Whether a token is a live session; with `extend`, it lives `ttlSeconds` from now. */
export async function checkSession(
  em: EntityManager,
  token: string,
  extend: { ttlSeconds: number } | null,
): Promise<boolean> {
  const rows = extend
    ? await runSql<object[]>(
        em,
        `update loot_locker_session set expires_at = clock_timestamp() + make_interval(secs => ?)
          where token_digest = ? and expires_at > clock_timestamp() returning 1`,
        [extend.ttlSeconds, digestOf(token)],
      )
    : await runSql<object[]>(
        em,
        `select 1 from loot_locker_session where token_digest = ? and expires_at > clock_timestamp()`,
        [digestOf(token)],
      );
  return rows.length > 0;
}
