import type { EntityManager } from '@mikro-orm/postgresql';
import { grantBucket } from '../domain/buckets.js';
import { fulfilledKey, PlayerClaims, transientFillKey, type ClaimsChanges } from '../domain/claims.js';
import type { QueuedOrder } from '../domain/order.js';
import { runSql } from './sql.js';

/** What a batch's orders refer to beyond the inventory. */
function claimKeys(orders: QueuedOrder[]) {
  const codes = new Set<string>();
  const transientLootIds = new Set<number>();
  const entitlements = new Map<string, { bucket: string; externalTranId: string }>();
  for (const order of orders) {
    for (const entry of order.entries) {
      if (entry.type === 'promotion_code' && entry.external_tran_id) codes.add(entry.external_tran_id);
      if (entry.type === 'fill_loot_single_transient' && entry.loot_id) transientLootIds.add(entry.loot_id);
      if (entry.type === 'fill_entitled_loot' && entry.external_tran_id) {
        const bucket = grantBucket(order.source, entry.use_inventory_bucket);
        entitlements.set(fulfilledKey(bucket, entry.external_tran_id), {
          bucket,
          externalTranId: entry.external_tran_id,
        });
      }
    }
  }
  return { codes: [...codes].sort(), transientLootIds: [...transientLootIds], entitlements };
}

/**
 * Loads, and locks, the shared state a batch touches: promotion rows (locked in code order, so
 * batches of different players cannot deadlock on them) and, through advisory locks in key order,
 * the platform transactions it may fulfil. Costs nothing for batches that need none of it.
 */
export async function loadClaims(
  em: EntityManager,
  playerUuid: string,
  orders: QueuedOrder[],
  promotionFailureWindowSeconds: number,
): Promise<PlayerClaims> {
  const keys = claimKeys(orders);
  if (keys.codes.length === 0 && keys.transientLootIds.length === 0 && keys.entitlements.size === 0) {
    return PlayerClaims.empty();
  }
  const entitlementKeys = [...keys.entitlements.keys()].sort();
  for (const key of entitlementKeys) {
    await runSql(em, `select pg_advisory_xact_lock(hashtextextended(?, 7213))`, [`entitlement:${key}`]);
  }
  const [row] = await runSql<
    {
      uses: { code: string; uses: number }[];
      claims: { code: string; claims: number }[];
      failures: number;
      fills: { loot_id: number; match_id: string }[];
      fulfilled: { bucket: string; external_tran_id: string }[];
    }[]
  >(
    em,
    `select
       coalesce((select json_agg(p) from (select code, uses from promotion
                  where code in (select jsonb_array_elements_text(?::jsonb)) order by code for update) p), '[]') as uses,
       coalesce((select json_agg(c) from (select code, claims from promotion_claim
                  where player_uuid = ? and code in (select jsonb_array_elements_text(?::jsonb))) c), '[]') as claims,
       (select count(*)::int from promotion_failure
         where player_uuid = ? and failed_at > clock_timestamp() - make_interval(secs => ?)) as failures,
       coalesce((select json_agg(f) from (select loot_id, match_id from transient_single_fill
                  where player_uuid = ? and loot_id in (select jsonb_array_elements_text(?::jsonb)::int)) f), '[]') as fills,
       coalesce((select json_agg(e) from (select bucket, external_tran_id from fulfilled_entitlement
                  where bucket || '|' || external_tran_id in (select jsonb_array_elements_text(?::jsonb))) e), '[]')
         as fulfilled`,
    [
      JSON.stringify(keys.codes),
      playerUuid,
      JSON.stringify(keys.codes),
      playerUuid,
      promotionFailureWindowSeconds,
      playerUuid,
      JSON.stringify(keys.transientLootIds),
      JSON.stringify(entitlementKeys),
    ],
  );
  return new PlayerClaims(
    {
      promotionUses: new Map(row!.uses.map((use) => [use.code, use.uses])),
      claims: new Map(row!.claims.map((claim) => [claim.code, claim.claims])),
      transientFills: new Set(row!.fills.map((fill) => transientFillKey(fill.loot_id, fill.match_id))),
      fulfilled: new Set(row!.fulfilled.map((done) => fulfilledKey(done.bucket, done.external_tran_id))),
    },
    row!.failures,
  );
}

export async function saveClaims(
  em: EntityManager,
  playerUuid: string,
  changes: ClaimsChanges,
): Promise<void> {
  await runSql(
    em,
    `with uses as (
       update promotion p set uses = r.uses
         from jsonb_to_recordset(?::jsonb) as r(code text, uses int) where p.code = r.code
     ), claims as (
       insert into promotion_claim (player_uuid, code, claims)
       select ?, r.code, r.claims from jsonb_to_recordset(?::jsonb) as r(code text, claims int)
       on conflict (player_uuid, code) do update set claims = excluded.claims
     ), failures as (
       insert into promotion_failure (player_uuid, code) select ?, value from jsonb_array_elements_text(?::jsonb)
     ), fills as (
       insert into transient_single_fill (player_uuid, loot_id, match_id)
       select ?, r.loot_id, r.match_id from jsonb_to_recordset(?::jsonb) as r(loot_id int, match_id text)
     )
     insert into fulfilled_entitlement (bucket, external_tran_id, player_uuid)
     select r.bucket, r.external_tran_id, ? from jsonb_to_recordset(?::jsonb) as r(bucket text, external_tran_id text)`,
    [
      JSON.stringify([...changes.promotionUses].map(([code, uses]) => ({ code, uses }))),
      playerUuid,
      JSON.stringify([...changes.claims].map(([code, claims]) => ({ code, claims }))),
      playerUuid,
      JSON.stringify(changes.failedCodes),
      playerUuid,
      JSON.stringify(
        changes.transientFills.map((fill) => ({ loot_id: fill.lootId, match_id: fill.matchId })),
      ),
      playerUuid,
      JSON.stringify(
        changes.fulfilled.map((done) => ({ bucket: done.bucket, external_tran_id: done.externalTranId })),
      ),
    ],
  );
}
