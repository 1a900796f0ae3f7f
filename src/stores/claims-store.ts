import type { EntityManager } from '@mikro-orm/postgresql';
import type { PlayerBatch } from '../domain/apply-group.js';
import { grantBucket } from '../domain/buckets.js';
import {
  fulfilledKey,
  GroupClaims,
  transientFillKey,
  type GroupClaimsChanges,
  type OwnClaimsState,
} from '../domain/claims.js';
import { runSql, sqlArray } from './sql.js';

/** What a group's orders refer to beyond the inventory, and which players' claims matter. */
function claimKeys(batches: PlayerBatch[]) {
  const codes = new Set<string>();
  const players = new Set<string>();
  const transientFills: { player_uuid: string; loot_id: number }[] = [];
  const entitlements = new Map<string, { bucket: string; external_tran_id: string }>();
  for (const { playerUuid, orders } of batches) {
    const lootIds = new Set<number>();
    for (const order of orders) {
      for (const entry of order.entries) {
        if (entry.type === 'promotion_code' && entry.external_tran_id) {
          codes.add(entry.external_tran_id);
          players.add(playerUuid);
        }
        if (entry.type === 'fill_loot_single_transient' && entry.loot_id) {
          lootIds.add(entry.loot_id);
          players.add(playerUuid);
        }
        if (entry.type === 'fill_entitled_loot' && entry.external_tran_id) {
          const bucket = grantBucket(order.source, entry.use_inventory_bucket);
          entitlements.set(fulfilledKey(bucket, entry.external_tran_id), {
            bucket,
            external_tran_id: entry.external_tran_id,
          });
          players.add(playerUuid);
        }
      }
    }
    for (const lootId of lootIds) transientFills.push({ player_uuid: playerUuid, loot_id: lootId });
  }
  return {
    codes: [...codes].sort(),
    players: [...players],
    transientFills,
    /** In key order, the order their advisory locks are taken in. */
    entitlements: [...entitlements].sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

/**
 * Loads the shared state a group touches: promotion uses, and (locked through advisory locks in key
 * order) the platform transactions it may fulfil; with each player's own claims, fills and recent
 * failed codes. Promotion rows are read unlocked, so that groups redeeming one code do not queue
 * behind each other for their whole transaction; saveGroupClaims finds out if another group raised a
 * count meanwhile, and the group then runs again with `lockPromotions` (rows locked in code order,
 * so groups cannot deadlock on them). Costs nothing for a group that needs none of it.
 */
export async function loadGroupClaims(
  em: EntityManager,
  batches: PlayerBatch[],
  promotionFailureWindowSeconds: number,
  lockPromotions: boolean,
): Promise<GroupClaims> {
  const keys = claimKeys(batches);
  if (keys.players.length === 0) return GroupClaims.empty();
  for (const [key] of keys.entitlements) {
    await runSql(em, `select pg_advisory_xact_lock(hashtextextended(?, 7213))`, [`entitlement:${key}`], {
      prepared: true,
    });
  }
  const [row] = await runSql<
    {
      uses: { code: string; uses: number }[];
      claims: { player_uuid: string; code: string; claims: number }[];
      failures: { player_uuid: string; failures: number }[];
      fills: { player_uuid: string; loot_id: number; match_id: string }[];
      fulfilled: { bucket: string; external_tran_id: string }[];
    }[]
  >(
    em,
    `with players as (select unnest(?::uuid[]) as player_uuid)
     select
       coalesce((select json_agg(p) from (select code, uses from promotion
                  where code = any(?::text[]) order by code ${lockPromotions ? 'for update' : ''}) p), '[]') as uses,
       coalesce((select json_agg(c) from players cross join lateral
                  (select player_uuid, code, claims from promotion_claim
                    where player_uuid = players.player_uuid
                      and code = any(?::text[])) c), '[]') as claims,
       coalesce((select json_agg(f) from players cross join lateral
                  (select players.player_uuid, count(*)::int as failures from promotion_failure
                    where player_uuid = players.player_uuid
                      and failed_at > clock_timestamp() - make_interval(secs => ?)) f), '[]') as failures,
       coalesce((select json_agg(f) from jsonb_to_recordset(?::jsonb) as w(player_uuid uuid, loot_id int)
                  cross join lateral (select player_uuid, loot_id, match_id from transient_single_fill
                    where player_uuid = w.player_uuid and loot_id = w.loot_id) f), '[]') as fills,
       coalesce((select json_agg(e) from jsonb_to_recordset(?::jsonb) as w(bucket text, external_tran_id text)
                  cross join lateral (select bucket, external_tran_id from fulfilled_entitlement
                    where bucket = w.bucket and external_tran_id = w.external_tran_id) e), '[]') as fulfilled`,
    [
      sqlArray(keys.players),
      sqlArray(keys.codes),
      sqlArray(keys.codes),
      promotionFailureWindowSeconds,
      JSON.stringify(keys.transientFills),
      JSON.stringify(keys.entitlements.map(([, entitlement]) => entitlement)),
    ],
    // Two texts: with and without the promotions' row locks.
    { prepared: true },
  );
  const own = new Map<string, OwnClaimsState>(
    keys.players.map((playerUuid) => [
      playerUuid,
      { claims: new Map(), transientFills: new Set(), recentFailedCodes: 0 },
    ]),
  );
  for (const claim of row!.claims) own.get(claim.player_uuid)!.claims.set(claim.code, claim.claims);
  for (const fill of row!.fills) {
    own.get(fill.player_uuid)!.transientFills.add(transientFillKey(fill.loot_id, fill.match_id));
  }
  for (const failure of row!.failures) own.get(failure.player_uuid)!.recentFailedCodes = failure.failures;
  return new GroupClaims(
    {
      promotionUses: new Map(row!.uses.map((use) => [use.code, use.uses])),
      fulfilled: new Set(row!.fulfilled.map((done) => fulfilledKey(done.bucket, done.external_tran_id))),
    },
    own,
  );
}

/**
 * Writes back what a group's orders claimed: the uses each promotion gained are added to its stored
 * count (rows locked in code order first, so two groups cannot deadlock), then every player's
 * claims, failed codes, fills and fulfilled transactions in one statement. Answers each changed
 * promotion's count now, for the caller to check against its `max_uses`.
 */
export async function saveGroupClaims(em: EntityManager, claims: GroupClaims): Promise<Map<string, number>> {
  const usesAdded = claims.promotionUsesAdded();
  let usesNow = new Map<string, number>();
  if (usesAdded.size > 0) {
    const codes = [...usesAdded.keys()].sort();
    await runSql(
      em,
      'select 1 from promotion where code = any(?::text[]) order by code for update',
      [sqlArray(codes)],
      { prepared: true },
    );
    const rows = await runSql<{ code: string; uses: number }[]>(
      em,
      `update promotion p set uses = p.uses + r.added
         from jsonb_to_recordset(?::jsonb) as r(code text, added int) where p.code = r.code
       returning p.code, p.uses`,
      [JSON.stringify(codes.map((code) => ({ code, added: usesAdded.get(code) })))],
      { prepared: true },
    );
    usesNow = new Map(rows.map((row) => [row.code, row.uses]));
  }
  const changes = claims.changes();
  if (changes.length === 0) return usesNow;
  const perPlayer = <T>(rows: (playerUuid: string, player: GroupClaimsChanges[number]['changes']) => T[]) =>
    JSON.stringify(changes.flatMap(({ playerUuid, changes: player }) => rows(playerUuid, player)));
  await runSql(
    em,
    `with claims as (
       insert into promotion_claim (player_uuid, code, claims)
       select r.player_uuid, r.code, r.claims from jsonb_to_recordset(?::jsonb) as r(player_uuid uuid, code text, claims int)
       on conflict (player_uuid, code) do update set claims = excluded.claims
     ), failures as (
       insert into promotion_failure (player_uuid, code)
       select r.player_uuid, r.code from jsonb_to_recordset(?::jsonb) as r(player_uuid uuid, code text)
     ), fills as (
       insert into transient_single_fill (player_uuid, loot_id, match_id)
       select r.player_uuid, r.loot_id, r.match_id
         from jsonb_to_recordset(?::jsonb) as r(player_uuid uuid, loot_id int, match_id text)
     )
     insert into fulfilled_entitlement (bucket, external_tran_id, player_uuid)
     select r.bucket, r.external_tran_id, r.player_uuid
       from jsonb_to_recordset(?::jsonb) as r(bucket text, external_tran_id text, player_uuid uuid)`,
    [
      perPlayer((player_uuid, player) =>
        [...player.claims].map(([code, claims]) => ({ player_uuid, code, claims })),
      ),
      perPlayer((player_uuid, player) => player.failedCodes.map((code) => ({ player_uuid, code }))),
      perPlayer((player_uuid, player) =>
        player.transientFills.map((fill) => ({ player_uuid, loot_id: fill.lootId, match_id: fill.matchId })),
      ),
      perPlayer((player_uuid, player) =>
        player.fulfilled.map((done) => ({
          player_uuid,
          bucket: done.bucket,
          external_tran_id: done.externalTranId,
        })),
      ),
    ],
    { prepared: true },
  );
  return usesNow;
}
