import { createHash, randomUUID } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { z } from 'zod';
import { detailSchema, type Detail } from './details.js';
import {
  chosenOrderId,
  collectionId,
  customData,
  displayProperties,
  id,
  int32,
  stackId,
  text,
  uuid,
  zonedDateTime,
} from './schema-types.js';
import {
  BUCKETS,
  ENTRY_TYPES,
  FINAL_STATUSES,
  MAX_ENTRIES_PER_ORDER,
  ORDER_STATUSES,
  RESULT_CODES,
  SOURCES,
  type EntryType,
  type OrderStatus,
  type ResultCode,
} from './vocabulary.js';

/**
 * PlayerOrderCreate. Unknown fields are dropped, not refused: platform payloads grow.
 * Entry types outside ENTRY_TYPES are accepted here and answered `invalid_entry_type` later.
 */

const purchasePrice = z.object({
  price_item_id: id,
  price: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  price_coupon_item_id: id.nullish(),
  /** The stack the price is paid from; any stack of the entry's collection when absent. */
  price_stack_id: stackId.nullish(),
});

/** Fields an entry type cannot be processed without; missing one is a validation error. */
export const REQUIRED_FIELDS = {
  fill_loot: ['loot_id', 'quantity'],
  purchase_loot: ['loot_id', 'quantity', 'purchase_price'],
  purchase_dynamic_bundle: ['loot_id', 'purchase_price', 'dynamic_bundle_loot_ids'],
  promotion_code: ['external_tran_id'],
  fill_loot_single_transient: ['loot_id', 'quantity'],
  fill_entitled_loot: ['external_item_sku', 'external_tran_id'],
  create_new_persistent_inventory: ['item_id', 'quantity'],
  create_new_transient_inventory: ['item_id', 'quantity'],
  update_existing_persistent_inventory: [],
  update_existing_transient_inventory: [],
  update_inventory: [],
  add_inventory_stack: ['item_id', 'quantity'],
  subtract_inventory_stack: ['item_id', 'quantity'],
  set_inventory_stack: ['item_id', 'quantity'],
  delete_inventory_stack: ['item_id'],
  transfer_inventory_stack: ['item_id', 'quantity'],
  delete_inventory_collection: [],
  revoke_inventory: ['item_id', 'quantity'],
} as const satisfies Record<EntryType, readonly (keyof EntryCreate)[]>;

/** An entry of type `T` with every field its type requires (entryCreateSchema checked them). */
export type EntryOf<T extends EntryType> = T extends EntryType
  ? EntryCreate & { type: T; entry_id: string } & {
      [K in (typeof REQUIRED_FIELDS)[T][number]]: NonNullable<EntryCreate[K]>;
    }
  : never;

/**
 * The least `quantity` an entry type can mean anything with, checked at validation (a 422): a
 * record cannot be created with a count under 1, nor set to a negative count (0 removes it). Loot
 * types take any integer and answer `quantity_not_allowed` themselves, as the result code says.
 */
const MIN_QUANTITY: Partial<Record<EntryType, number>> = {
  create_new_persistent_inventory: 1,
  create_new_transient_inventory: 1,
  update_existing_persistent_inventory: 0,
  update_existing_transient_inventory: 0,
  update_inventory: 0,
  add_inventory_stack: 0,
  subtract_inventory_stack: 0,
  set_inventory_stack: 0,
  transfer_inventory_stack: 0,
  revoke_inventory: 1,
};

const UPDATE_TYPES: readonly string[] = [
  'update_existing_persistent_inventory',
  'update_existing_transient_inventory',
  'update_inventory',
];

export function isKnownEntryType(type: string): type is EntryType {
  return (ENTRY_TYPES as readonly string[]).includes(type);
}

type Place = Partial<
  Record<'collection_id' | 'stack_id' | 'to_collection_id' | 'to_stack_id' | 'to_player_uuid', string | null>
>;
/** A transfer that would give a stack to itself: same player, collection and stack. */
function isTransferToItself(entry: Place, playerUuid: string): boolean {
  const collection = entry.collection_id ?? 'default';
  const stack = entry.stack_id ?? 'default';
  return (
    (entry.to_player_uuid ?? playerUuid) === playerUuid &&
    (entry.to_collection_id ?? collection) === collection &&
    (entry.to_stack_id ?? stack) === stack
  );
}

export const entryCreateSchema = z
  .object({
    entry_id: text(1, 64).nullish(),
    // Any text: a type outside ENTRY_TYPES is accepted and answered `invalid_entry_type`.
    type: text(0, 256),
    loot_id: id.nullish(),
    quantity: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullish(),
    vendor_version: z.number().int().nullish(),
    vendor_etag: text(0, 256).nullish(),
    dynamic_bundle_loot_ids: z.array(id).max(100).nullish(),
    purchase_price: purchasePrice.nullish(),
    external_tran_id: text(1, 256).nullish(),
    external_item_sku: text(1, 256).nullish(),
    use_inventory_bucket: z.enum(BUCKETS).nullish(),
    player_portal_event_id: z.number().int().nullish(),
    inventory_id: uuid.nullish(),
    legacy_inventory_id: z.number().int().min(1).nullish(),
    item_id: id.nullish(),
    expires: zonedDateTime.nullish(),
    custom_data: customData.nullish(),
    /** The collection the entry works in: what it sees, spends and grants. `default` when absent. */
    collection_id: collectionId.nullish(),
    /** The stack its grants go into (and a stack entry's stack). `default` when absent. */
    stack_id: stackId.nullish(),
    /** A stack this entry empties stays, at 0; without it an emptied record is removed. */
    keep_empty_stacks: z.boolean().nullish(),
    /** A stack's display properties: set by set_inventory_stack, given to a stack the entry creates. */
    display_properties: displayProperties.nullish(),
    /** Where transfer_inventory_stack moves to: another collection, another stack, or both. */
    to_collection_id: collectionId.nullish(),
    to_stack_id: stackId.nullish(),
    /** The player transfer_inventory_stack gives to: both players change in the order's one transaction. */
    to_player_uuid: uuid.nullish(),
    /** The ETag of the entry's collection the caller last saw: when it is not current, nothing is done. */
    collection_etag: text(1, 64).nullish(),
  })
  .superRefine((entry, ctx) => {
    if (!isKnownEntryType(entry.type)) return;
    for (const field of REQUIRED_FIELDS[entry.type]) {
      if (entry[field] === undefined || entry[field] === null) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `required for ${entry.type}`,
          params: { type: 'missing' },
        });
      }
    }
    const minQuantity = MIN_QUANTITY[entry.type];
    if (minQuantity !== undefined && entry.quantity != null && entry.quantity < minQuantity) {
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: `must be at least ${minQuantity} for ${entry.type}`,
        params: { type: 'too_small' },
      });
    }
    if (
      UPDATE_TYPES.includes(entry.type) &&
      entry.inventory_id == null &&
      entry.legacy_inventory_id == null
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['inventory_id'],
        message: `inventory_id or legacy_inventory_id is required for ${entry.type}`,
        params: { type: 'missing' },
      });
    }
  });

export type EntryCreate = z.infer<typeof entryCreateSchema>;

/** The fields of PlayerOrderCreate, before the checks across fields; see orderCreateSchema. */
export const orderCreateFields = z.object({
  source: z.enum(SOURCES).nullish(),
  client_order_ref_id: text(1, 128).nullish(),
  portal_id: int32.nullish(),
  portal_user_id: text(0, 256).nullish(),
  instance_id: text(0, 256).nullish(),
  match_id: text(0, 256).nullish(),
  is_transaction: z.boolean().nullish(),
  order_id: chosenOrderId.nullish(),
  player_uuid: uuid,
  entries: z.array(entryCreateSchema).min(1).max(MAX_ENTRIES_PER_ORDER),
});

/** Entry ids, where the caller chose them, are unique within the order; a transfer moves somewhere. */
export function checkOrderEntries(
  order: { player_uuid?: string | null; entries: (Place & { type: string; entry_id?: string | null })[] },
  ctx: z.RefinementCtx,
) {
  const seen = new Set<string>();
  order.entries.forEach((entry, index) => {
    // A transfer moves to another player, collection or stack (a player client's order is its own).
    if (entry.type === 'transfer_inventory_stack' && isTransferToItself(entry, order.player_uuid ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['entries', index, 'to_stack_id'],
        message:
          'a transfer moves to another player, collection or stack (to_player_uuid, to_collection_id, to_stack_id)',
        params: { type: 'invalid' },
      });
    }
    if (!entry.entry_id) return;
    if (seen.has(entry.entry_id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['entries', index, 'entry_id'],
        message: 'entry_id is not unique in the order',
      });
    }
    seen.add(entry.entry_id);
  });
}

export const orderCreateSchema = orderCreateFields.superRefine(checkOrderEntries);

export type OrderCreate = z.infer<typeof orderCreateSchema>;

/** The fields of an order other than its entries, as stored and as shown. */
export const orderHeaderSchema = z.object({
  order_id: z.string(),
  player_uuid: z.string(),
  source: z.enum(SOURCES).nullable(),
  client_order_ref_id: z.string().nullable(),
  portal_id: z.number().int().nullable(),
  portal_user_id: z.string().nullable(),
  instance_id: z.string().nullable(),
  match_id: z.string().nullable(),
  is_transaction: z.boolean(),
  origin: z
    .string()
    .nullable()
    .describe(
      'The compatible-API call the order was made by (`playfab:AddInventoryItems`); null for an order ' +
        'submitted as a Player Order.',
    ),
  refund_of: z
    .string()
    .nullable()
    .describe('On a refund: the order it compensates (`POST /v1/orders/{order_id}/refund`); null otherwise.'),
});
export type OrderHeader = z.infer<typeof orderHeaderSchema>;
export const ORDER_HEADER_KEYS = orderHeaderSchema.keyof().options;

/** An entry as stored: what was sent, with its id, result code and details. */
export interface StoredEntry extends EntryCreate {
  entry_id: string;
  result: ResultCode;
  details: Detail[];
}

/** An entry's fields in the order callers see them: as sent, then its result and details. */
export const ENTRY_KEYS = [...entryCreateSchema.keyof().options, 'result', 'details'] as const;

/**
 * The Player Order as callers see it: the order as submitted plus status, times and entry
 * results. An entry is documented by what every entry has; its other fields are those it was sent with.
 */
export const playerOrderSchema = orderHeaderSchema.extend({
  status: z.enum(ORDER_STATUSES),
  applied_seq: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe(
      "Its place in the player's effect order once final; null while queued and when errored (nothing " +
        'took effect). A retried order takes the next one when it is applied.',
    ),
  created_time: z.string(),
  completed_time: z.string().nullable(),
  collection_etags: z
    .record(z.string(), z.string())
    .nullable()
    .describe(
      'Once final, on an order made through a compatible API: the ETag of each collection its entries ' +
        "name, as the order left it (an entry's `collection_etag` checks one). Null otherwise.",
    ),
  not_taken_back: z
    .array(z.object({ entry_id: z.string(), item_id: z.number().int(), quantity: z.number().int() }))
    .nullable()
    .optional()
    .describe(
      'Only on a refund: what it could not take back, as the player had already spent it, for ops; ' +
        'null until the refund is final.',
    ),
  error: z
    .string()
    .optional()
    .describe(
      'Only on an `errored` order: why the system gave up, in one line (never a stack trace or SQL).',
    ),
  entries: z.array(
    z.looseObject({
      entry_id: z.string(),
      type: z.string(),
      result: z.enum(RESULT_CODES),
      details: z.array(detailSchema),
    }),
  ),
});
export type PlayerOrderView = Omit<z.infer<typeof playerOrderSchema>, 'entries'> & { entries: StoredEntry[] };

/** One page of orders, newest first; `next_cursor` is null on the last page. */
export const orderPageSchema = z.object({
  orders: z.array(playerOrderSchema),
  next_cursor: z.string().nullable(),
});
export type OrderPage = { orders: PlayerOrderView[]; next_cursor: string | null };

/** An order as queued for the engine: every id filled in, every optional field explicit. */
export interface QueuedOrder extends OrderHeader {
  entries: (EntryCreate & { entry_id: string })[];
}

/**
 * A fingerprint of what the caller asked for, so that a replay of the same key with another body is
 * told apart (409) from a true retry (200). Taken before ids are generated, keys sorted.
 */
export function requestHash(order: OrderCreate, origin: string | null = null): string {
  // An origin is part of the request: the same key on another compatible-API call is another request.
  const canonical = withoutNulls({ ...order, is_transaction: order.is_transaction ?? false, origin });
  return createHash('sha256')
    .update(stringify(canonical) ?? '')
    .digest('base64url');
}

/** `null` and absent mean the same in a request, so neither may change its fingerprint. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== null && field !== undefined)
        .map(([key, field]) => [key, withoutNulls(field)]),
    );
  }
  return value;
}

const QUANTITY_ONE_TYPES: readonly string[] = [
  'promotion_code',
  'purchase_dynamic_bundle',
  'fill_entitled_loot',
];

export function queuedOrderOf(
  order: OrderCreate,
  origin: string | null = null,
  refundOf: string | null = null,
): QueuedOrder {
  return {
    origin,
    refund_of: refundOf,
    order_id: order.order_id ?? randomUUID(),
    player_uuid: order.player_uuid,
    source: order.source ?? null,
    client_order_ref_id: order.client_order_ref_id ?? null,
    portal_id: order.portal_id ?? null,
    portal_user_id: order.portal_user_id ?? null,
    instance_id: order.instance_id ?? null,
    match_id: order.match_id ?? null,
    is_transaction: order.is_transaction ?? false,
    entries: order.entries.map((entry) => ({
      ...entry,
      entry_id: entry.entry_id ?? randomUUID(),
      // The Player Order API shows `quantity` on every entry; these types always take one.
      ...(entry.quantity == null && QUANTITY_ONE_TYPES.includes(entry.type) && { quantity: 1 }),
    })),
  };
}

export const isFinal = (status: OrderStatus) => FINAL_STATUSES.includes(status);

/**
 * Who submitted an order, for its idempotency keys: a game server or admin (`server`), a player
 * client (`client`), or a platform (`steam`, `psn`, `xbox`). `client_order_ref_id` is unique per
 * player within one scope, so no kind of caller can take, and so block, a key another kind will
 * use: a player cannot squat the reference a game server will send for its entry fee. PlayFab's
 * `IdempotencyId` is per player, whoever calls (`playfab`).
 */
export type SubmitterScope = 'server' | 'client' | PlatformName | 'playfab';

/** The platforms that send signed orders; each name is also the namespace of its event ids. */
export const PLATFORM_NAMES = ['steam', 'psn', 'xbox'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];
