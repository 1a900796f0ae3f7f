import type { Promotion } from '../catalog.js';
import type { ResultCode } from '../vocabulary.js';
import type { EntryContext } from './entry-context.js';
import { applyLootFill, checkLootFillable } from './fill-loot.js';

/** The promotion a code names, if the player may claim it now; else why not. */
function findClaimablePromotion(context: EntryContext, code: string): Promotion | ResultCode {
  const { catalog, claims, now } = context;
  const promotion = catalog.promotions.get(code);
  if (!promotion) return 'promotion_not_found';
  if (!promotion.active || (promotion.starts_at && Date.parse(promotion.starts_at) > now.getTime())) {
    return 'promotion_not_available';
  }
  if (promotion.expires_at && Date.parse(promotion.expires_at) <= now.getTime()) return 'promotion_expired';
  if (promotion.max_uses !== null && claims.promotionUses(code) >= promotion.max_uses)
    return 'promotion_no_uses_left';
  if (promotion.per_player !== null && claims.claimsOf(code) >= promotion.per_player)
    return 'promotion_claimed_already';
  return promotion;
}

/**
 * Claims a promotion code (`external_tran_id`) and fills its loot. The use is counted against the
 * promotion's row, locked for the batch, so concurrent players can never over-redeem it. A player
 * past the failed-code limit is refused before the code is even looked at: otherwise the answers
 * would still tell a guesser which codes exist.
 */
export function promotionCode(context: EntryContext<'promotion_code'>): ResultCode {
  const { entry, catalog, claims, inventory } = context;
  const code = entry.external_tran_id;
  if (claims.failedCodesInWindow() >= context.promotionFailureLimit) return 'too_many_requests';
  const promotion = findClaimablePromotion(context, code);
  if (typeof promotion === 'string') {
    claims.recordFailedCode(code);
    return promotion;
  }
  const loot = catalog.loot.get(promotion.loot_id);
  claims.claim(code);
  inventory.details.add({ type: 'claim_promo_code', loot_id: promotion.loot_id, code });
  if (!loot) return 'loot_not_found';
  // One claim fills the loot once, whatever `quantity` says; and a player may redeem a code from
  // the client: the code itself is the authorization, not the loot's fillable_from_client flag.
  return checkLootFillable(context, loot, 1, { clientMayFill: true }) ?? applyLootFill(context, loot, 1);
}
