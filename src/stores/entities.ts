import { defineEntity, p } from '@mikro-orm/core';
import type { Item, Loot, Promotion as PromotionDefinition } from '../domain/catalog.js';
import type { StoredEntry } from '../domain/order.js';

/**
 * The tables. Every key of a player's table leads with `player_uuid`, so players shard cleanly (see
 * docs/scaling.md); the catalog, promotions and subscriptions are small tables of their own.
 * The order engine itself reads and writes these tables with set-based SQL (see player-store.ts);
 * the entities are the schema's single description, from which the migrations are generated.
 */

export const Player = defineEntity({
  name: 'Player',
  properties: {
    playerUuid: p.uuid().primary(),
    /** Legacy inventory ids are numbered per player, so no global sequence sits on the hot path. */
    nextLegacyInventoryId: p.bigint('number').default(1),
    /** The applied_seq the player's next final order gets. */
    nextAppliedSeq: p.bigint('number').default(1),
    /** The seq the player's next history change gets. */
    nextHistorySeq: p.bigint('number').default(1),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export const InventoryRecord = defineEntity({
  name: 'InventoryRecord',
  uniques: [{ properties: ['playerUuid', 'legacyInventoryId'] }],
  indexes: [{ properties: ['playerUuid', 'itemId'] }],
  // The last line of defence for guarantee 3: no count below zero (a stack may be kept at zero).
  checks: [{ name: 'inventory_record_count_check', expression: 'count >= 0 and count <= 2147483647' }],
  properties: {
    playerUuid: p.uuid().primary(),
    inventoryId: p.uuid().primary(),
    legacyInventoryId: p.bigint('number'),
    itemId: p.integer(),
    type: p.string().length(16),
    bucket: p.string().length(32).nullable(),
    count: p.integer(),
    acquired: p.datetime(),
    expires: p.datetime().nullable(),
    customData: p.json<Record<string, string>>(),
    collectionId: p.string().length(75).default('default'),
    stackId: p.string().length(128).default('default'),
    displayProperties: p.json<Record<string, unknown>>().nullable(),
  },
});

export const PlayerOrder = defineEntity({
  name: 'PlayerOrder',
  uniques: [
    { properties: ['playerUuid', 'refScope', 'clientOrderRefId'] },
    { properties: ['playerUuid', 'appliedSeq'] },
    { properties: ['playerUuid', 'acceptSeq'] },
  ],
  indexes: [
    { properties: ['status', 'acceptSeq'] },
    // A player's queued orders, read by every group (see its migration).
    // Partial, so the orders that are not refunds (all but a few) cost the index nothing.
    {
      name: 'player_order_refund_of_index',
      expression: `create unique index "player_order_refund_of_index" on "player_order" ("player_uuid", "refund_of") where "refund_of" is not null`,
    },
    {
      name: 'player_order_queued_index',
      expression: `create index "player_order_queued_index" on "player_order" ("player_uuid", "accept_seq") where "status" = 'queued'`,
    },
  ],
  properties: {
    playerUuid: p.uuid().primary(),
    /**
     * Up to 80: a platform's event id is stored in its namespace (`steam:<64 characters>`). Unique
     * across players through OrderKey.
     */
    orderId: p.string().length(80).primary(),
    /** The order in which the API accepted it, across players: a queued order is applied in this order. */
    acceptSeq: p.bigint('number').autoincrement(),
    /**
     * Its place in the player's effect order (1, 2, 3, ...), given when it becomes final. It differs
     * from accept order only for an order that errored and was retried: it took effect when retried.
     */
    appliedSeq: p.bigint('number').nullable(),
    /** Who submitted it (server, client or a platform): `client_order_ref_id` is unique within one. */
    refScope: p.string().length(32).default('server'),
    clientOrderRefId: p.string().length(128).nullable(),
    requestHash: p.string().length(64),
    status: p.string().length(24),
    source: p.string().length(32).nullable(),
    portalId: p.integer().nullable(),
    portalUserId: p.string().length(256).nullable(),
    instanceId: p.string().length(256).nullable(),
    matchId: p.string().length(256).nullable(),
    isTransaction: p.boolean(),
    entries: p.json<StoredEntry[]>(),
    createdTime: p.datetime().defaultRaw('clock_timestamp()'),
    completedTime: p.datetime().nullable(),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    /** The compatible-API call that made it (`playfab:AddInventoryItems`); null for a Player Order. */
    origin: p.string().length(64).nullable(),
    /** Once final: each named collection's ETag as the order left it. */
    collectionEtags: p.json<Record<string, string>>().nullable(),
    /** On a refund, the order it compensates (its player's): unique (see its index), so an order is refunded at most once. */
    refundOf: p.string().length(80).nullable(),
  },
});

/**
 * Every order id and whose order it is: ids are unique across players, and an order is found by its
 * id alone, while player_order is keyed by player first (docs/scaling.md). Written with the order.
 */
export const OrderKey = defineEntity({
  name: 'OrderKey',
  properties: {
    orderId: p.string().length(80).primary(),
    playerUuid: p.uuid(),
  },
});

/**
 * A player's history: one row per order that changed the player's inventory, where its changes
 * start in the player's numbering (`seq`) and how many they are (see domain/history.ts). Keyed by
 * player first, so reading one player's history reads only their rows, and the orders they point
 * at by key, whose details are the changes: nothing is written twice.
 */
export const InventoryChange = defineEntity({
  name: 'InventoryChange',
  properties: {
    playerUuid: p.uuid().primary(),
    seq: p.bigint('number').primary(),
    appliedTime: p.datetime().defaultRaw('clock_timestamp()'),
    orderId: p.string().length(80),
    changes: p.integer(),
    orderPlayerUuid: p.uuid(),
    /** The items and collections its changes touch, for reads that filter on them. */
    itemIds: p.json<number[]>(),
    collectionIds: p.json<string[]>(),
  },
});

export const CatalogItem = defineEntity({
  name: 'CatalogItem',
  properties: {
    id: p.integer().primary().autoincrement(false),
    definition: p.json<Item>(),
  },
});

export const Vendor = defineEntity({
  name: 'Vendor',
  properties: {
    id: p.integer().primary().autoincrement(false),
    name: p.string().length(256),
    version: p.integer().default(1),
    etag: p.string().length(64),
  },
});

export const CatalogLoot = defineEntity({
  name: 'CatalogLoot',
  properties: {
    id: p.integer().primary().autoincrement(false),
    vendorId: p.integer().nullable().index(),
    definition: p.json<Loot>(),
  },
});

export const Promotion = defineEntity({
  name: 'Promotion',
  properties: {
    code: p.string().length(128).primary(),
    lootId: p.integer(),
    definition: p.json<PromotionDefinition>(),
    uses: p.integer().default(0),
  },
});

/** One row; bumped on every catalog change so workers know when their cached copy is stale. */
export const CatalogRevision = defineEntity({
  name: 'CatalogRevision',
  properties: {
    id: p.integer().primary().autoincrement(false),
    revision: p.integer(),
  },
});

/** How many times a player has claimed a promotion code. */
export const PromotionClaim = defineEntity({
  name: 'PromotionClaim',
  properties: {
    playerUuid: p.uuid().primary(),
    code: p.string().length(128).primary(),
    claims: p.integer(),
  },
});

/** Failed promotion codes, for the brute-force guard. */
export const PromotionFailure = defineEntity({
  name: 'PromotionFailure',
  indexes: [{ properties: ['playerUuid', 'failedAt'] }],
  properties: {
    playerUuid: p.uuid().primary(),
    id: p.bigint('number').primary().autoincrement(),
    code: p.string().length(256),
    failedAt: p.datetime().defaultRaw('clock_timestamp()'),
  },
});

/** fill_loot_single_transient: at most once per player, loot and match. */
export const TransientSingleFill = defineEntity({
  name: 'TransientSingleFill',
  properties: {
    playerUuid: p.uuid().primary(),
    lootId: p.integer().primary(),
    matchId: p.string().length(256).primary(),
  },
});

/** A platform transaction fulfilled once per bucket, whichever player or order carried it. */
export const FulfilledEntitlement = defineEntity({
  name: 'FulfilledEntitlement',
  properties: {
    bucket: p.string().length(32).primary(),
    externalTranId: p.string().length(256).primary(),
    playerUuid: p.uuid(),
    fulfilledAt: p.datetime().defaultRaw('clock_timestamp()'),
    /** When the platform refunded it: it can never be fulfilled (again). */
    revokedAt: p.datetime().nullable(),
  },
});

/** A LootLocker server session: its token's digest (never the token) and when it lapses. */
export const LootLockerSession = defineEntity({
  name: 'LootLockerSession',
  properties: {
    tokenDigest: p.string().length(64).primary(),
    expiresAt: p.datetime(),
  },
});

/** A LootLocker wallet: made on first use for its holder, whose balances are the player's currency stacks. */
export const LootLockerWallet = defineEntity({
  name: 'LootLockerWallet',
  properties: {
    walletId: p.uuid().primary(),
    holderId: p.string().length(64).unique(),
    holderType: p.string().length(16),
    playerUuid: p.uuid(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

/** Events out: an HTTP endpoint and the events it receives (domain/events.ts). */
export const Subscription = defineEntity({
  name: 'Subscription',
  properties: {
    subscriptionId: p.uuid().primary(),
    url: p.string().length(2048).unique(),
    events: p.json<string[]>(),
    secret: p.string().length(128),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

/**
 * Events out: one event for one subscription, written with the order that raised it, and then its
 * delivery log. A subscription's events of one player go out in `applied_seq` order.
 */
export const EventDelivery = defineEntity({
  name: 'EventDelivery',
  indexes: [
    {
      name: 'event_delivery_pending_index',
      expression: `create index "event_delivery_pending_index" on "event_delivery" ("subscription_id", "player_uuid", "applied_seq", "delivery_id") where "status" = 'pending'`,
    },
  ],
  properties: {
    playerUuid: p.uuid().primary(),
    deliveryId: p.bigint('number').primary().autoincrement().index(),
    subscriptionId: p.uuid(),
    orderId: p.string().length(80),
    appliedSeq: p.bigint('number'),
    eventType: p.string().length(32),
    status: p.string().length(16).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().defaultRaw('clock_timestamp()'),
    lastStatusCode: p.integer().nullable(),
    lastError: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('clock_timestamp()'),
    deliveredAt: p.datetime().nullable(),
  },
});

/** The fleet's sweeper: when its last round started (sweeper-store.ts). */
export const SweeperRun = defineEntity({
  name: 'SweeperRun',
  properties: {
    name: p.string().length(32).primary(),
    startedAt: p.datetime(),
  },
});

export const entities = [
  Player,
  InventoryRecord,
  PlayerOrder,
  OrderKey,
  InventoryChange,
  CatalogItem,
  Vendor,
  CatalogLoot,
  Promotion,
  CatalogRevision,
  PromotionClaim,
  PromotionFailure,
  TransientSingleFill,
  FulfilledEntitlement,
  LootLockerSession,
  LootLockerWallet,
  Subscription,
  EventDelivery,
  SweeperRun,
];
