import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { RESULT_CODES, type ResultCode } from '../../src/domain/vocabulary.js';
import {
  BADGE,
  baseCatalog,
  COUPON_HALF,
  GEM_GRANT,
  GEMS,
  GOLD,
  OLD_ITEM,
  SHIELD,
  SWORD,
  SWORD_PACK,
} from '../helpers/catalog-fixture.js';
import {
  engineFor,
  LONG_AGO,
  MAX_COUNT,
  type Engine,
  type EntryInput,
  type Holding,
  type OrderInput,
  type StoredClaims,
} from '../helpers/engine.js';

/**
 * Every result code of the vocabulary, and the smallest order that answers it: a code added to
 * RESULT_CODES does not compile here until an order produces it, or it is listed as one no order
 * can produce, with the reason. The rules behind each code are tested in test/domain/entries/.
 */

/** Codes of the vocabulary that no order can be answered today, and why. */
const NEVER_ANSWERED = {
  // Every purchase checks that the player can afford the price before paying it, and nothing
  // changes the inventory in between: spending the price cannot then fail.
  failed_to_spend_price: 'the price is checked affordable just before it is spent',
  // No entry type submits another order (nor makes a `new_order` detail).
  failed_to_submit_new_order: 'no entry type submits a new order',
} satisfies Partial<Record<ResultCode, string>>;

type AnsweredCode = Exclude<ResultCode, keyof typeof NEVER_ANSWERED>;

interface Scenario {
  holdings?: Holding[];
  claims?: StoredClaims;
  order: OrderInput | ((engine: Engine) => OrderInput);
  /** The entry that must answer the code (default the first). */
  entry?: number;
  /** Something to break before the order runs. */
  arrange?: (engine: Engine) => void;
}

// What the shared fixture lacks, one thing for each code that needs it.
const RETIRED_COUPON = 21;
const GOLD_COUPON = 22;
const GRANT_COUPON = 23;
const TICKET = 24;
const INACTIVE = 201;
const PORTAL_ONLY = 202;
const BLOCKED_BY_SWORD = 203;
const NEEDS_SHIELD = 204;
const CONSUMES_BADGE = 205;
const HOLDS_INACTIVE = 206;
const GOLD_PILE = 207;
const SWORD_AND_GOLD = 208;
const UNPRICED = 209;
const NO_COUPONS = 210;
const SWORD_BUNDLE = 211;
const TICKET_BOOTH = 212;
const UNKNOWN = 9_999;

const catalog = {
  items: [
    ...baseCatalog.items,
    {
      id: RETIRED_COUPON,
      name: 'Retired coupon',
      active: false,
      coupon: { discount_percent: 10 },
    },
    { id: GOLD_COUPON, name: 'Gold coupon', coupon: { discount_percent: 10, price_item_ids: [GOLD] } },
    { id: GRANT_COUPON, name: 'Grant coupon', coupon: { discount_percent: 10, loot_ids: [GEM_GRANT] } },
    { id: TICKET, name: 'Ticket', coupon: { discount_percent: 50, price_item_ids: [TICKET] } },
  ],
  vendors: baseCatalog.vendors,
  loot: [
    ...baseCatalog.loot,
    { id: INACTIVE, name: 'Inactive', active: false, contents: [{ item_id: SWORD, quantity: 1 }] },
    { id: PORTAL_ONLY, name: 'Portal 7', portal_ids: [7], contents: [{ item_id: SWORD, quantity: 1 }] },
    {
      id: BLOCKED_BY_SWORD,
      name: 'Blocked',
      blockers: [SWORD],
      contents: [{ item_id: SHIELD, quantity: 1 }],
    },
    { id: NEEDS_SHIELD, name: 'Needs shield', required: [{ item_id: SHIELD, quantity: 1 }] },
    {
      id: CONSUMES_BADGE,
      name: 'Consumes badge',
      required: [{ item_id: BADGE, quantity: 1, consume: true }],
    },
    { id: HOLDS_INACTIVE, name: 'Holds inactive', sub_loot: [{ loot_id: INACTIVE, quantity: 1 }] },
    { id: GOLD_PILE, name: 'Gold pile', contents: [{ item_id: GOLD, quantity: 100 }] },
    {
      id: SWORD_AND_GOLD,
      name: 'Sword and gold',
      contents: [{ item_id: SWORD, quantity: 1 }],
      sub_loot: [{ loot_id: GOLD_PILE, quantity: 1 }],
    },
    { id: UNPRICED, name: 'Unpriced', vendor_id: 1, contents: [{ item_id: SWORD, quantity: 1 }] },
    { id: NO_COUPONS, name: 'No coupons', prices: [{ price_item_id: GEMS, price: 10 }] },
    {
      id: SWORD_BUNDLE,
      name: 'Sword bundle',
      dynamic_bundle: { loot_ids: [SWORD_PACK], discount_percent: 0 },
    },
    {
      id: TICKET_BOOTH,
      name: 'Ticket booth',
      prices: [{ price_item_id: TICKET, price: 10 }],
      coupons_enabled: true,
      contents: [{ item_id: SHIELD, quantity: 1 }],
    },
  ],
  promotions: [
    { code: 'OPEN', loot_id: GEM_GRANT, per_player: 1 },
    { code: 'INACTIVE', loot_id: GEM_GRANT, active: false },
    { code: 'EXPIRED', loot_id: GEM_GRANT, expires_at: LONG_AGO },
    { code: 'NO-USES', loot_id: GEM_GRANT, max_uses: 0 },
  ],
};

const one = (entry: EntryInput, order: Omit<OrderInput, 'entries'> = {}): OrderInput => ({
  ...order,
  entries: [entry],
});
const fill = (lootId: number, quantity = 1) => one({ type: 'fill_loot', loot_id: lootId, quantity });
const buy = (
  price: Partial<{ price_item_id: number; price: number; price_coupon_item_id: number }>,
  entry = {},
) =>
  one({
    type: 'purchase_loot',
    loot_id: SWORD_PACK,
    quantity: 1,
    purchase_price: { price_item_id: GEMS, price: 50, ...price },
    ...entry,
  });
const buyBundle = (shown: number[], lootId = SWORD_BUNDLE) =>
  one({
    type: 'purchase_dynamic_bundle',
    loot_id: lootId,
    dynamic_bundle_loot_ids: shown,
    purchase_price: { price_item_id: GEMS, price: 50 },
  });
const claim = (code: string) => one({ type: 'promotion_code', external_tran_id: code });
const create = (entry: Partial<EntryInput> = {}, order: Omit<OrderInput, 'entries'> = {}) =>
  one({ type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 1, ...entry }, order);
const gems = (count: number): Holding[] => [{ item: GEMS, count }];

const scenarios: Record<AnsweredCode, Scenario> = {
  success: { order: fill(GEM_GRANT) },
  internal_error: {
    order: fill(GEM_GRANT),
    arrange: (engine) => {
      vi.spyOn(engine.catalog.loot, 'get').mockImplementation(() => {
        throw new Error('catalog unreadable');
      });
    },
  },
  invalid_entry_type: { order: one({ type: 'transmute_loot' }) },
  not_allowed_on_current_portal: { order: fill(PORTAL_ONLY) },
  loot_not_found: { order: fill(UNKNOWN) },
  loot_not_active: { order: fill(INACTIVE) },
  price_item_not_found: { holdings: gems(100), order: buy({ price_item_id: UNKNOWN }) },
  price_not_allowed: { order: one({ ...buy({}).entries[0]!, loot_id: UNPRICED }) },
  dynamic_bundle_invalid: { order: buyBundle([SWORD_PACK], SWORD_PACK) },
  too_many_requests: { claims: { recentFailedCodes: 10 }, order: claim('OPEN') },
  price_does_not_match: { holdings: gems(100), order: buy({ price: 49 }) },
  vendor_version_does_not_match: { holdings: gems(100), order: buy({}, { vendor_version: 99 }) },
  collection_etag_does_not_match: {
    order: one({ type: 'add_inventory_stack', item_id: GEMS, quantity: 1, collection_etag: 'stale' }),
  },
  dynamic_bundle_ltis_do_not_match: { holdings: gems(100), order: buyBundle([]) },
  cannot_afford_price: { order: buy({}) },
  cannot_afford_coupon: { holdings: gems(100), order: buy({ price_coupon_item_id: COUPON_HALF }) },
  failed_to_spend_coupon: {
    holdings: [{ item: TICKET, count: 5 }],
    order: one({
      type: 'purchase_loot',
      loot_id: TICKET_BOOTH,
      quantity: 1,
      purchase_price: { price_item_id: TICKET, price: 10, price_coupon_item_id: TICKET },
    }),
  },
  loot_not_for_sale_with_price_item: { order: buy({ price_item_id: GOLD }) },
  coupons_disabled: {
    order: one({ ...buy({ price: 10, price_coupon_item_id: COUPON_HALF }).entries[0]!, loot_id: NO_COUPONS }),
  },
  coupon_item_not_found: { order: buy({ price_coupon_item_id: SWORD }) },
  coupon_item_not_active: { order: buy({ price_coupon_item_id: RETIRED_COUPON }) },
  coupon_item_not_applicable_for_quantity: {
    order: buy({ price_coupon_item_id: COUPON_HALF }, { quantity: 3 }),
  },
  coupon_item_not_applicable_for_price_item: { order: buy({ price_coupon_item_id: GOLD_COUPON }) },
  coupon_item_not_applicable_for_loot: { order: buy({ price_coupon_item_id: GRANT_COUPON }) },
  quantity_not_allowed: { order: fill(GEM_GRANT, 0) },
  promotion_expired: { order: claim('EXPIRED') },
  promotion_not_found: { order: claim('NO-SUCH-CODE') },
  promotion_no_uses_left: { order: claim('NO-USES') },
  promotion_not_available: { order: claim('INACTIVE') },
  promotion_claimed_already: { claims: { claimedByPlayer: { OPEN: 1 } }, order: claim('OPEN') },
  dynamic_bundles_not_available: {
    holdings: [...gems(100), { item: SWORD, count: 1 }],
    order: buyBundle([]),
  },
  transient_single_loot_already_applied: {
    claims: { transientFills: [{ lootId: GEM_GRANT, matchId: 'match-1' }] },
    order: one(
      { type: 'fill_loot_single_transient', loot_id: GEM_GRANT, quantity: 1 },
      { match_id: 'match-1' },
    ),
  },
  loot_not_fillable_from_client: { order: one(fill(GEM_GRANT).entries[0]!, { source: 'CLIENT' }) },
  permission_denied: { order: create({}, { source: 'CLIENT' }) },
  failed_to_find_any_sub_loot: { order: fill(HOLDS_INACTIVE) },
  failed_to_fill_any_sub_loot: {
    holdings: [{ item: GOLD, count: MAX_COUNT - 50 }],
    order: fill(SWORD_AND_GOLD),
  },
  cannot_meet_loot_blocker: { holdings: [{ item: SWORD, count: 1 }], order: fill(BLOCKED_BY_SWORD) },
  cannot_meet_loot_required: { order: fill(NEEDS_SHIELD) },
  failed_to_consume_loot_required: { order: fill(CONSUMES_BADGE) },
  failed_to_modify_inventory: { order: create({ quantity: MAX_COUNT + 1 }) },
  inventory_not_found: { order: one({ type: 'update_inventory', inventory_id: randomUUID(), quantity: 1 }) },
  item_not_found: { order: create({ item_id: UNKNOWN }) },
  item_not_active: { order: create({ item_id: OLD_ITEM }) },
  too_many_inv_custom_attributes: {
    order: create({ custom_data: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }),
  },
  always_owned_inventory_cannot_be_modified: {
    order: (engine) =>
      one({ type: 'update_inventory', inventory_id: engine.alwaysOwnedId(BADGE), quantity: 2 }),
  },
  available_until_is_in_past: { order: create({ expires: LONG_AGO }) },
  rollback: {
    order: { is_transaction: true, entries: [fill(GEM_GRANT).entries[0]!, fill(UNKNOWN).entries[0]!] },
  },
  not_started: {
    entry: 1,
    order: { is_transaction: true, entries: [fill(UNKNOWN).entries[0]!, fill(GEM_GRANT).entries[0]!] },
  },
};

describe('result codes', () => {
  it.each(Object.entries(scenarios))('%s is answered by an order', (code, scenario) => {
    const engine = engineFor({ ...catalog, holdings: scenario.holdings, claims: scenario.claims });
    scenario.arrange?.(engine);
    const order = typeof scenario.order === 'function' ? scenario.order(engine) : scenario.order;
    const applied = engine.apply(order);
    expect(applied.entries[scenario.entry ?? 0]!.result, JSON.stringify(applied.entries)).toBe(code);
  });

  it('every code of RESULT_CODES is answered above, or listed with the reason no order can answer it', () => {
    const answered = Object.keys(scenarios);
    const never = Object.keys(NEVER_ANSWERED);
    expect(answered.filter((code) => never.includes(code))).toEqual([]);
    expect([...answered, ...never].sort()).toEqual([...RESULT_CODES].sort());
  });
});
