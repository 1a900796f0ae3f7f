import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { z } from 'zod';
import { applyOrder, type AppliedOrder } from '../../src/domain/apply-order.js';
import {
  catalogUpdateSchema,
  findCatalogProblems,
  indexCatalog,
  type Catalog,
  type itemSchema,
  type lootSchema,
  type promotionSchema,
} from '../../src/domain/catalog.js';
import { PlayerClaims, transientFillKey, fulfilledKey } from '../../src/domain/claims.js';
import type { InventoryRecordView } from '../../src/domain/details.js';
import { alwaysOwnedInventoryId, PlayerInventory } from '../../src/domain/inventory.js';
import { orderCreateSchema, queuedOrderOf, type QueuedOrder } from '../../src/domain/order.js';
import type { Bucket } from '../../src/domain/vocabulary.js';

/**
 * The order engine in memory: a catalog, one player's inventory and claims, and `applyOrder`, with
 * no database, queue or HTTP. Everything engine tests know about how src/domain/ is put together
 * lives here, so that a rename there touches this file only.
 */

/** The clock of every engine: fixed, so that expiries and availability windows are exact. */
export const NOW = new Date('2030-06-01T12:00:00.000Z');
export const FAR_FUTURE = '2099-01-01T00:00:00.000Z';
export const LONG_AGO = '2000-01-01T00:00:00.000Z';
export const MAX_COUNT = 2_147_483_647;

/** Seconds from NOW, as the ISO string the engine stores. */
export const inSeconds = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

/** A vendor as the catalog store keeps it: `version` and `etag` are the server's, given here. */
export interface VendorInput {
  id: number;
  name: string;
  version?: number;
  etag?: string;
}

/** A record the player holds before the first order; each becomes a stored record of its own. */
export interface Holding {
  item: number;
  count: number;
  type?: 'persistent' | 'transient';
  bucket?: Bucket;
  expires?: string | null;
  acquired?: string;
  custom_data?: Record<string, string>;
  collection?: string;
  stack?: string;
  display_properties?: Record<string, unknown>;
}

/** What earlier batches left in PostgreSQL beyond the inventory (the claims tables). */
export interface StoredClaims {
  /** Promotion code → uses so far, by every player. */
  promotionUses?: Record<string, number>;
  /** Promotion code → this player's claims so far. */
  claimedByPlayer?: Record<string, number>;
  /** Failed promotion codes of this player inside the failure window. */
  recentFailedCodes?: number;
  transientFills?: { lootId: number; matchId: string | null }[];
  /** Platform transactions fulfilled by any player. */
  fulfilled?: { bucket: Bucket; externalTranId: string }[];
}

/**
 * A catalog as plain data, as the admin API takes it: `engineFor({ ...catalog })` and
 * `h.putCatalog(catalog)` both accept it. Vendors carry no version here; the catalog store sets it.
 */
export type CatalogData = {
  items: z.input<typeof itemSchema>[];
  vendors: VendorInput[];
  loot: z.input<typeof lootSchema>[];
  promotions?: z.input<typeof promotionSchema>[];
};

/** The catalog with one vendor at `version` and `etag`, as the catalog store would have moved it. */
export const atVendorVersion = (
  catalog: CatalogData,
  vendorId: number,
  version: number,
  etag: string,
): CatalogData => ({
  ...catalog,
  vendors: catalog.vendors.map((vendor) => (vendor.id === vendorId ? { ...vendor, version, etag } : vendor)),
});

export interface EngineOptions {
  items?: z.input<typeof itemSchema>[];
  loot?: z.input<typeof lootSchema>[];
  vendors?: VendorInput[];
  promotions?: z.input<typeof promotionSchema>[];
  holdings?: Holding[];
  claims?: StoredClaims;
  now?: Date;
  /** Failed promotion codes a player may make in the window (the service's default is 10). */
  promotionFailureLimit?: number;
}

/** An order as a caller sends it; `player_uuid` is the engine's player unless given. */
export type OrderInput = Omit<z.input<typeof orderCreateSchema>, 'player_uuid'> & { player_uuid?: string };
export type EntryInput = OrderInput['entries'][number];

/** What a purchase entry shows: price item, unit price, a coupon, and the vendor version and etag known. */
export interface PriceShown {
  priceItemId?: number;
  price?: number;
  coupon?: number;
  vendorVersion?: number;
  vendorEtag?: string;
}

/** A purchase entry's price and vendor fields; `usual` is the price item and price when none is shown. */
export const shownPrice = (shown: PriceShown, usual: { priceItemId: number; price: number }) => ({
  purchase_price: {
    price_item_id: shown.priceItemId ?? usual.priceItemId,
    price: shown.price ?? usual.price,
    price_coupon_item_id: shown.coupon,
  },
  vendor_version: shown.vendorVersion,
  vendor_etag: shown.vendorEtag,
});

/** What a batch would write to the claims tables once its orders are applied. */
export interface ClaimsWritten {
  promotionUses: Record<string, number>;
  claims: Record<string, number>;
  failedCodes: string[];
  transientFills: { lootId: number; matchId: string }[];
  fulfilled: { bucket: string; externalTranId: string }[];
}

export interface Engine {
  playerUuid: string;
  catalog: Catalog;
  /** Validates the order as the API does, then applies it (made through `origin`, or refunding `refundOf`, if given). */
  apply: (order: OrderInput, origin?: string, refundOf?: string) => AppliedOrder;
  /** The player's stored records now (always-owned items are not stored), holdings first. */
  records: () => InventoryRecordView[];
  /** Sum of counts of one item over unexpired stored records. */
  balance: (itemId: number) => number;
  /** The stable id of an always-owned item's record for this player. */
  alwaysOwnedId: (itemId: number) => string;
  written: () => ClaimsWritten;
}

/**
 * One engine is one batch of one player: every `apply` sees what the earlier ones did, as orders
 * of a player applied in one transaction by the worker do. What earlier batches stored is given
 * through `holdings` and `claims`.
 */
export function engineFor(options: EngineOptions = {}): Engine {
  const catalog = buildCatalog(options);
  const now = options.now ?? NOW;
  const playerUuid = randomUUID();
  const initial = (options.holdings ?? []).map((holding, index) => recordOf(holding, index + 1));
  const inventory = new PlayerInventory(playerUuid, initial, initial.length + 1, now, catalog);
  const stored = options.claims ?? {};
  const claims = new PlayerClaims(
    {
      promotionUses: new Map(Object.entries(stored.promotionUses ?? {})),
      claims: new Map(Object.entries(stored.claimedByPlayer ?? {})),
      transientFills: new Set(
        (stored.transientFills ?? []).map((fill) => transientFillKey(fill.lootId, fill.matchId)),
      ),
      fulfilled: new Set(
        (stored.fulfilled ?? []).map((done) => fulfilledKey(done.bucket, done.externalTranId)),
      ),
    },
    stored.recentFailedCodes ?? 0,
  );
  const session = {
    catalog,
    inventory,
    claims,
    now,
    promotionFailureLimit: options.promotionFailureLimit ?? 10,
  };

  const records = (): InventoryRecordView[] => {
    const diff = inventory.diff();
    const replaced = new Map(diff.updated.map((record) => [record.inventory_id, record]));
    const deleted = new Set(diff.deleted.map((record) => record.inventory_id));
    return [
      ...initial
        .filter((record) => !deleted.has(record.inventory_id))
        .map((record) => replaced.get(record.inventory_id) ?? record),
      ...diff.inserted,
    ];
  };

  return {
    playerUuid,
    catalog,
    apply: (order, origin, refundOf) =>
      applyOrder(
        { ...queuedOrderFor(playerUuid, order), origin: origin ?? null, refund_of: refundOf ?? null },
        session,
      ),
    records,
    balance: (itemId) =>
      records()
        .filter((record) => record.item_id === itemId)
        .filter((record) => record.expires === null || Date.parse(record.expires) > now.getTime())
        .reduce((sum, record) => sum + record.count, 0),
    alwaysOwnedId: (itemId) => alwaysOwnedInventoryId(playerUuid, itemId),
    written: () => {
      const changes = claims.changes();
      return {
        promotionUses: Object.fromEntries(changes?.promotionUses ?? []),
        claims: Object.fromEntries(changes?.claims ?? []),
        failedCodes: changes?.failedCodes ?? [],
        transientFills: changes?.transientFills ?? [],
        fulfilled: changes?.fulfilled ?? [],
      };
    },
  };
}

/** An order of the player's, validated as the API does, as the worker loads it. */
export const queuedOrderFor = (playerUuid: string, order: OrderInput): QueuedOrder =>
  queuedOrderOf(orderCreateSchema.parse({ player_uuid: playerUuid, ...order }));

/** `engineFor` over one catalog, for a file whose engines differ only in what the player holds or claimed. */
export const engineOver =
  (catalog: CatalogData) =>
  (options: Omit<EngineOptions, keyof CatalogData> = {}): Engine =>
    engineFor({ ...catalog, ...options });

/**
 * The catalog as the admin API would store it: defaults filled in by its schemas, and refused here
 * when the API would refuse it, so that no engine test relies on a catalog that cannot exist.
 */
export function buildCatalog(options: EngineOptions): Catalog {
  const vendors = (options.vendors ?? []).map((vendor) => ({
    id: vendor.id,
    name: vendor.name,
    version: vendor.version ?? 1,
    etag: vendor.etag ?? `etag-${vendor.id}-${vendor.version ?? 1}`,
  }));
  const update = catalogUpdateSchema.parse({
    items: options.items ?? [],
    loot: options.loot ?? [],
    vendors: vendors.map(({ id, name }) => ({ id, name })),
    promotions: options.promotions ?? [],
  });
  const catalog = indexCatalog(1, {
    items: update.items ?? [],
    vendors,
    loot: update.loot ?? [],
    promotions: update.promotions ?? [],
  });
  const problems = findCatalogProblems(update, catalog);
  if (problems.length > 0)
    throw new Error(`the admin API would refuse this catalog: ${JSON.stringify(problems)}`);
  return catalog;
}

function recordOf(holding: Holding, legacyId: number): InventoryRecordView {
  return {
    inventory_id: randomUUID(),
    type: holding.type ?? 'persistent',
    legacy_inventory_id: legacyId,
    bucket: holding.bucket ?? 'free',
    count: holding.count,
    acquired: holding.acquired ?? '2030-01-01T00:00:00.000Z',
    expires: holding.expires ?? null,
    custom_data: holding.custom_data ?? {},
    item_id: holding.item,
    collection_id: holding.collection ?? 'default',
    stack_id: holding.stack ?? 'default',
    display_properties: holding.display_properties ?? null,
  };
}

/**
 * Applies a one-entry order that must be refused with `code`: the order fails, the entry has no
 * details, and the inventory is exactly as it was. Answers the applied order for further checks.
 */
export function expectRefused(engine: Engine, order: OrderInput, code: string): AppliedOrder {
  const before = engine.records();
  const applied = engine.apply(order);
  expect(applied.entries[0]!.result, JSON.stringify(applied.entries[0])).toBe(code);
  expect(applied.status).toBe('failed');
  expect(applied.entries[0]!.details).toEqual([]);
  expect(engine.records()).toEqual(before);
  return applied;
}

/** Applies a one-entry order that must succeed; answers that entry (result and details). */
export function expectSuccess(engine: Engine, order: OrderInput): AppliedOrder['entries'][number] {
  const applied = engine.apply(order);
  expect(applied.entries[0]!.result, JSON.stringify(applied.entries[0])).toBe('success');
  expect(applied.status).toBe('succeeded');
  expect(applied.unexpectedErrors).toEqual([]);
  return applied.entries[0]!;
}
