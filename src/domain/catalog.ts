import { z } from 'zod';
import { id, text, zonedDateTime } from './schema-types.js';
import { BUCKETS } from './vocabulary.js';

/**
 * The catalog document. Unlike orders, unknown fields are refused: a typo in a
 * catalog must not pass silently and sell something at the wrong price.
 */

const idList = z.array(id).max(1000).default([]);
const quantity = z.number().int().min(1).max(2_147_483_647);

export const couponSchema = z.strictObject({
  discount_percent: z.number().int().min(1).max(100),
  price_item_ids: idList,
  loot_ids: idList,
  max_quantity: quantity.default(1),
});

/**
 * A second name for an item or a loot, unique among items (or among loot): the compatible APIs
 * (PlayFab's `AlternateId` of type FriendlyId, LootLocker's asset names) address the catalog by it.
 */
const friendlyId = text(1, 128)
  .nullish()
  .transform((value) => value ?? null);

export const itemSchema = z.strictObject({
  id,
  name: text(1, 256),
  friendly_id: friendlyId,
  active: z.boolean().default(true),
  unique: z.boolean().default(false),
  always_owned: z.boolean().default(false),
  /** A currency: PlayFab's item `Type` is `currency` for these, `catalogItem` for the rest. */
  currency: z.boolean().default(false),
  coupon: couponSchema.nullish().transform((value) => value ?? null),
});

export const vendorSchema = z.strictObject({
  id,
  name: text(1, 256),
  // Server-managed; accepted so that a catalog read can be written back unchanged, then ignored.
  version: z.number().int().optional(),
  etag: text(0, 256).optional(),
});

export const lootSchema = z.strictObject({
  id,
  name: text(1, 256),
  friendly_id: friendlyId,
  active: z.boolean().default(true),
  vendor_id: id.nullish().transform((value) => value ?? null),
  fillable_from_client: z.boolean().default(false),
  prices: z
    .array(z.strictObject({ price_item_id: id, price: z.number().int().min(0).max(2_147_483_647) }))
    .max(100)
    .default([]),
  coupons_enabled: z.boolean().default(false),
  max_quantity: quantity.nullish().transform((value) => value ?? null),
  available_from: zonedDateTime.nullish().transform((value) => value ?? null),
  available_until: zonedDateTime.nullish().transform((value) => value ?? null),
  portal_ids: z.array(z.number().int()).max(1000).default([]),
  transient_single: z.boolean().default(false),
  contents: z
    .array(
      z.strictObject({
        item_id: id,
        quantity,
        type: z.enum(['persistent', 'transient']).default('persistent'),
        expires_in_seconds: z
          .number()
          .int()
          .min(1)
          .max(100 * 365 * 24 * 3600)
          .nullish()
          .transform((value) => value ?? null),
      }),
    )
    .max(1000)
    .default([]),
  sub_loot: z
    .array(z.strictObject({ loot_id: id, quantity }))
    .max(100)
    .default([]),
  blockers: idList,
  required: z
    .array(z.strictObject({ item_id: id, quantity, consume: z.boolean().default(false) }))
    .max(100)
    .default([]),
  dynamic_bundle: z
    .strictObject({
      loot_ids: z.array(id).min(1).max(100),
      discount_percent: z.number().int().min(0).max(100),
    })
    .nullish()
    .transform((value) => value ?? null),
  entitlements: z
    .array(z.strictObject({ bucket: z.enum(BUCKETS), sku: text(1, 256) }))
    .max(100)
    .default([]),
});

export const promotionSchema = z.strictObject({
  code: text(1, 128),
  loot_id: id,
  max_uses: z
    .number()
    .int()
    .min(0)
    .nullish()
    .transform((value) => value ?? null),
  per_player: z
    .number()
    .int()
    .min(1)
    .nullish()
    .transform((value) => value ?? null),
  starts_at: zonedDateTime.nullish().transform((value) => value ?? null),
  expires_at: zonedDateTime.nullish().transform((value) => value ?? null),
  active: z.boolean().default(true),
});

/** A list in which each `key` appears once: one document cannot say two things about one id. */
function uniqueBy<T extends z.ZodType>(schema: T, key: 'id' | 'code', max: number) {
  return z
    .array(schema)
    .max(max)
    .superRefine((list, ctx) => {
      const seen = new Set<unknown>();
      list.forEach((value, index) => {
        const id = (value as Record<string, unknown>)[key];
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [index, key], message: `${key} appears twice` });
        seen.add(id);
      });
    });
}

const CATALOG_LISTS = ['items', 'vendors', 'loot', 'promotions'] as const;

/** A catalog write names at least one list: an empty body is a mistake, never a no-op. */
export const catalogUpdateSchema = z
  .strictObject({
    items: uniqueBy(itemSchema, 'id', 10_000).optional(),
    vendors: uniqueBy(vendorSchema, 'id', 1000).optional(),
    loot: uniqueBy(lootSchema, 'id', 10_000).optional(),
    promotions: uniqueBy(promotionSchema, 'code', 10_000).optional(),
  })
  .refine((update) => CATALOG_LISTS.some((list) => update[list] !== undefined), {
    message: `name at least one of ${CATALOG_LISTS.join(', ')}`,
  });

export type CatalogUpdate = z.infer<typeof catalogUpdateSchema>;
export type Item = z.infer<typeof itemSchema>;
export type Coupon = z.infer<typeof couponSchema>;
export type Loot = z.infer<typeof lootSchema>;
export type Promotion = z.infer<typeof promotionSchema>;

/** A vendor as stored: its version and etag move on each change, so clients can tell a stale view. */
const storedVendorSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.number().int(),
  etag: z.string(),
});
export type Vendor = z.infer<typeof storedVendorSchema>;

/** The catalog as GET answers it: every list, every default filled in, vendors with version and etag. */
export const catalogDocumentSchema = z.object({
  items: z.array(itemSchema),
  vendors: z.array(storedVendorSchema),
  loot: z.array(lootSchema),
  promotions: z.array(promotionSchema),
});
export type CatalogDocument = z.infer<typeof catalogDocumentSchema>;

/** The whole catalog, indexed for the order engine. */
export interface Catalog {
  revision: number;
  items: Map<number, Item>;
  vendors: Map<number, Vendor>;
  loot: Map<number, Loot>;
  promotions: Map<string, Promotion>;
  alwaysOwnedItems: Item[];
  itemsByFriendlyId: Map<string, Item>;
  lootByFriendlyId: Map<string, Loot>;
}

function byFriendlyId<T extends { friendly_id: string | null }>(list: T[]): Map<string, T> {
  return new Map(
    list.filter((value) => value.friendly_id !== null).map((value) => [value.friendly_id!, value]),
  );
}

export function indexCatalog(
  revision: number,
  parts: { items: Item[]; vendors: Vendor[]; loot: Loot[]; promotions: Promotion[] },
): Catalog {
  return {
    revision,
    items: new Map(parts.items.map((item) => [item.id, item])),
    vendors: new Map(parts.vendors.map((vendor) => [vendor.id, vendor])),
    loot: new Map(parts.loot.map((loot) => [loot.id, loot])),
    promotions: new Map(parts.promotions.map((promotion) => [promotion.code, promotion])),
    alwaysOwnedItems: parts.items.filter((item) => item.always_owned).sort((a, b) => a.id - b.id),
    itemsByFriendlyId: byFriendlyId(parts.items),
    lootByFriendlyId: byFriendlyId(parts.loot),
  };
}

export interface CatalogProblem {
  loc: (string | number)[];
  msg: string;
}

/**
 * Cross-references of a catalog update, checked against the catalog it would produce (what is
 * already stored plus the update): every id named must exist, and no loot may contain itself.
 */
export function findCatalogProblems(update: CatalogUpdate, merged: Catalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const requireItem = (itemId: number, loc: (string | number)[]) => {
    if (!merged.items.has(itemId)) problems.push({ loc, msg: `unknown item id ${itemId}` });
  };
  const requireLoot = (lootId: number, loc: (string | number)[]) => {
    if (!merged.loot.has(lootId)) problems.push({ loc, msg: `unknown loot id ${lootId}` });
  };

  update.items?.forEach((item, i) => {
    item.coupon?.price_item_ids.forEach((itemId, j) =>
      requireItem(itemId, ['items', i, 'coupon', 'price_item_ids', j]),
    );
    item.coupon?.loot_ids.forEach((lootId, j) => requireLoot(lootId, ['items', i, 'coupon', 'loot_ids', j]));
  });
  update.loot?.forEach((loot, i) => {
    const at = (...rest: (string | number)[]) => ['loot', i, ...rest];
    if (loot.vendor_id !== null && !merged.vendors.has(loot.vendor_id)) {
      problems.push({ loc: at('vendor_id'), msg: `unknown vendor id ${loot.vendor_id}` });
    }
    loot.prices.forEach((price, j) => requireItem(price.price_item_id, at('prices', j, 'price_item_id')));
    loot.contents.forEach((content, j) => requireItem(content.item_id, at('contents', j, 'item_id')));
    loot.sub_loot.forEach((sub, j) => requireLoot(sub.loot_id, at('sub_loot', j, 'loot_id')));
    loot.blockers.forEach((itemId, j) => requireItem(itemId, at('blockers', j)));
    loot.required.forEach((required, j) => requireItem(required.item_id, at('required', j, 'item_id')));
    loot.dynamic_bundle?.loot_ids.forEach((lootId, j) => {
      requireLoot(lootId, at('dynamic_bundle', 'loot_ids', j));
      if (lootId === loot.id)
        problems.push({ loc: at('dynamic_bundle', 'loot_ids', j), msg: 'a bundle cannot hold itself' });
    });
    if (loot.available_from && loot.available_until && loot.available_from > loot.available_until) {
      problems.push({ loc: at('available_until'), msg: 'available_until is before available_from' });
    }
    if (containsItself(loot.id, merged)) {
      problems.push({ loc: at('sub_loot'), msg: `loot ${loot.id} contains itself through sub_loot` });
    }
  });
  update.promotions?.forEach((promotion, i) => requireLoot(promotion.loot_id, ['promotions', i, 'loot_id']));
  problems.push(
    ...friendlyIdClashes('items', update.items, merged.items),
    ...friendlyIdClashes('loot', update.loot, merged.loot),
  );
  return problems;
}

/** A friendly id names one item (or one loot): the update's may not be taken by another id. */
function friendlyIdClashes(
  list: 'items' | 'loot',
  updated: { id: number; friendly_id: string | null }[] | undefined,
  merged: Map<number, { id: number; friendly_id: string | null }>,
): CatalogProblem[] {
  const owners = new Map<string, number[]>();
  for (const value of merged.values()) {
    if (value.friendly_id !== null)
      owners.set(value.friendly_id, [...(owners.get(value.friendly_id) ?? []), value.id]);
  }
  const problems: CatalogProblem[] = [];
  updated?.forEach((value, i) => {
    const others = (owners.get(value.friendly_id ?? '') ?? []).filter((id) => id !== value.id);
    if (value.friendly_id !== null && others.length > 0) {
      problems.push({
        loc: [list, i, 'friendly_id'],
        msg: `friendly_id ${value.friendly_id} is already used by id ${others.join(', ')}`,
      });
    }
  });
  return problems;
}

function containsItself(rootId: number, catalog: Catalog): boolean {
  const stack = [...(catalog.loot.get(rootId)?.sub_loot ?? [])].map((sub) => sub.loot_id);
  const seen = new Set<number>();
  while (stack.length > 0) {
    const lootId = stack.pop()!;
    if (lootId === rootId) return true;
    if (seen.has(lootId)) continue;
    seen.add(lootId);
    for (const sub of catalog.loot.get(lootId)?.sub_loot ?? []) stack.push(sub.loot_id);
  }
  return false;
}

export function catalogDocument(catalog: Catalog): CatalogDocument {
  return {
    items: [...catalog.items.values()],
    vendors: [...catalog.vendors.values()],
    loot: [...catalog.loot.values()],
    promotions: [...catalog.promotions.values()],
  };
}
