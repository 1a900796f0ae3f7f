/** Enumerations of the Player Order API, spelled exactly as the API Armory follows spells them. */

export const SOURCES = [
  'UNKNOWN',
  'WEB_ORDER_REPAIR',
  'IN_GAME',
  'WEB_SITE',
  'NO_SALE',
  'SUPPORT',
  'ACTIVITY',
  'REFUND',
  'SYSTEM',
  'REWARDS',
  'ESPORTS',
  'TREASURE',
  'CONSOLE',
  'ODYSSEY',
  'STEAM',
  'RETURN',
  'JSON_GATE',
  'SEND_GIFT',
  'RECEIVE_GIFT',
  'STEAM_DLC',
  'TWITCH_MILESTONE',
  'TWITCH_PRIME',
  'PSN',
  'XBOX',
  'PTS_GRANT',
  'INSTANCE',
  'ACCOUNT_TRANSFER',
  'PROMOCODE',
  'TRIUMPH_SYSTEM',
  'LOGIN_GRANT',
  'EOM_UNCAPPED',
  'EOM_CAPPED',
  'FACEBOOK_DROP',
  'DATABASE_SCRIPT',
  'ACCOUNT_LINKING',
  'CLAN',
  'CONVERSION',
  'APPLE',
  'GOOGLE',
  'GOOGLE_PLAY',
  'PORTAL_DURABLE',
  'PARTNER_ACHIEVEMENT',
  'MIXER_DROP',
  'NINTENDO',
  'STREAM_VIEWING_PROGRESS',
  'DISCORD',
  'FIRST_LOGIN_GRANT',
  'TWITCH_FUEL',
  'DISCORD_DLC',
  'NETEASE',
  'EPIC_GAMES',
  'FORTE',
  'FACEBOOK',
  'HIREZ',
  'DAILY_REWARD',
  'ADD_ACCOUNT_EMAIL_REWARD',
  'CLIENT_CLAIM',
  'CLIENT',
  'ENTITLEMENTS',
  'AMAZON',
  'SIMULMEDIA',
  'LUNA',
] as const;
export type Source = (typeof SOURCES)[number];

export const BUCKETS = [
  'free',
  'sweat',
  'none',
  'anon',
  'amazon',
  'steam',
  'psn',
  'xbox_live',
  'google',
  'twitch',
  'nintendo_switch',
  'apple',
  'nintendo',
  'epic',
  'google_play',
  'nintendo_ppid',
] as const;
export type Bucket = (typeof BUCKETS)[number];

export const ENTRY_TYPES = [
  'fill_loot',
  'purchase_loot',
  'purchase_dynamic_bundle',
  'promotion_code',
  'fill_loot_single_transient',
  'fill_entitled_loot',
  'create_new_persistent_inventory',
  'update_existing_persistent_inventory',
  'create_new_transient_inventory',
  'update_existing_transient_inventory',
  'update_inventory',
  // Armory's stack entries, beyond the Player Order API's list: what PlayFab's inventory calls become.
  'add_inventory_stack',
  'subtract_inventory_stack',
  'set_inventory_stack',
  'delete_inventory_stack',
  'transfer_inventory_stack',
  'delete_inventory_collection',
  // A refund's take-back (refunds.ts): only an order with `refund_of` may run it.
  'revoke_inventory',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

export const RESULT_CODES = [
  'success',
  'internal_error',
  'invalid_entry_type',
  'not_allowed_on_current_portal',
  'loot_not_found',
  'loot_not_active',
  'price_item_not_found',
  'price_not_allowed',
  'dynamic_bundle_invalid',
  'too_many_requests',
  'price_does_not_match',
  'vendor_version_does_not_match',
  'dynamic_bundle_ltis_do_not_match',
  'cannot_afford_price',
  'cannot_afford_coupon',
  'failed_to_spend_price',
  'failed_to_spend_coupon',
  'loot_not_for_sale_with_price_item',
  'coupons_disabled',
  'coupon_item_not_found',
  'coupon_item_not_active',
  'coupon_item_not_applicable_for_quantity',
  'coupon_item_not_applicable_for_price_item',
  'coupon_item_not_applicable_for_loot',
  'quantity_not_allowed',
  'promotion_expired',
  'promotion_not_found',
  'promotion_no_uses_left',
  'promotion_not_available',
  'promotion_claimed_already',
  'dynamic_bundles_not_available',
  'transient_single_loot_already_applied',
  'loot_not_fillable_from_client',
  'permission_denied',
  'failed_to_find_any_sub_loot',
  'failed_to_fill_any_sub_loot',
  'cannot_meet_loot_blocker',
  'cannot_meet_loot_required',
  'failed_to_consume_loot_required',
  'failed_to_submit_new_order',
  'failed_to_modify_inventory',
  'inventory_not_found',
  'item_not_found',
  'item_not_active',
  'too_many_inv_custom_attributes',
  'always_owned_inventory_cannot_be_modified',
  'available_until_is_in_past',
  'rollback',
  'not_started',
  // Armory's, beyond the Player Order API's list: the entry's `collection_etag` is not current.
  'collection_etag_does_not_match',
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

export const DETAIL_TYPES = [
  'unknown',
  'inventory_change',
  'dynamic_bundle_lti',
  'claim_promo_code',
  'return_promo_code',
  'new_order',
] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

export const INVENTORY_TYPES = ['persistent', 'transient', 'always_owned'] as const;
export type InventoryType = (typeof INVENTORY_TYPES)[number];

export const ORDER_STATUSES = [
  'queued',
  'processing',
  'succeeded',
  'partially_succeeded',
  'failed',
  'errored',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const FINAL_STATUSES: readonly OrderStatus[] = ['succeeded', 'partially_succeeded', 'failed'];

/** The most one inventory count may hold (a PostgreSQL integer). */
export const MAX_COUNT = 2_147_483_647;
/** The most inventory records one player may hold (PlayFab Economy v2's limit). */
export const MAX_RECORDS_PER_PLAYER = 3500;
/** The most collections one player may hold records in (PlayFab Economy v2's limit). */
export const MAX_COLLECTIONS_PER_PLAYER = 1000;
export const MAX_CUSTOM_ATTRIBUTES = 20;
export const MAX_ENTRIES_PER_ORDER = 100;
