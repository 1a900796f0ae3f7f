import { grantBucket } from '../buckets.js';
import type { ResultCode } from '../vocabulary.js';
import { refuseClient, type EntryContext } from './entry-context.js';
import { applyLootFill, checkLootFillable } from './fill-loot.js';

/**
 * Grants what a platform purchase entitles: the loot whose `entitlements` hold (bucket,
 * `external_item_sku`). The platform transaction `external_tran_id` is fulfilled at most once per
 * bucket, whichever order carries it; its key is unique in the database as well.
 */
export function fillEntitledLoot(context: EntryContext<'fill_entitled_loot'>): ResultCode {
  const { entry, order, catalog, claims } = context;
  const bucket = grantBucket(order.source, entry.use_inventory_bucket);
  const externalTranId = entry.external_tran_id;
  const denied = refuseClient(context) ?? refuseFulfilledTransaction(context, bucket);
  if (denied) return denied;
  const sku = entry.external_item_sku;
  const loot = [...catalog.loot.values()].find((candidate) =>
    candidate.entitlements.some((entitlement) => entitlement.bucket === bucket && entitlement.sku === sku),
  );
  if (!loot) return 'loot_not_found';
  const quantity = entry.quantity ?? 1;
  const refused = checkLootFillable(context, loot, quantity);
  if (refused) return refused;
  claims.recordFulfilled(bucket, externalTranId);
  return applyLootFill(context, loot, quantity);
}

/** A platform transaction is fulfilled once per bucket: sending it again is refused, not granted twice. */
function refuseFulfilledTransaction(
  context: EntryContext<'fill_entitled_loot'>,
  bucket: string,
): ResultCode | null {
  return context.claims.isFulfilled(bucket, context.entry.external_tran_id) ? 'permission_denied' : null;
}
