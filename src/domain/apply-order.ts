import type { Catalog } from './catalog.js';
import type { Detail } from './details.js';
import type { StoredEntry } from './order.js';
import { entryHandlers } from './entries/index.js';
import { DEFAULT_COLLECTION, DEFAULT_STACK, type PlayerInventory } from './inventory.js';
import type { PlayerClaims } from './claims.js';
import type { EntryContext, EntryHandler } from './entries/entry-context.js';
import { isKnownEntryType, type EntryOf, type QueuedOrder } from './order.js';
import type { EntryType, OrderStatus, ResultCode } from './vocabulary.js';

export interface AppliedOrder {
  status: Extract<OrderStatus, 'succeeded' | 'partially_succeeded' | 'failed'>;
  entries: StoredEntry[];
  /** Exceptions that turned entries into `internal_error`, for the caller to log. */
  unexpectedErrors: { entryId: string; error: unknown }[];
  /**
   * For an order made through a compatible API (which answers them): the ETag of each of the
   * player's collections its entries name, as the order left it. Null for a Player Order, which
   * then pays nothing for digests no one reads.
   */
  collectionEtags: Record<string, string> | null;
}

/** The player's own collections an order's entries work in or move to. */
function collectionsOf(order: QueuedOrder): string[] {
  const collections = order.entries.flatMap((entry) => {
    const own = entry.collection_id ?? DEFAULT_COLLECTION;
    const toOwnPlayer = (entry.to_player_uuid ?? order.player_uuid) === order.player_uuid;
    return entry.to_collection_id && toOwnPlayer ? [own, entry.to_collection_id] : [own];
  });
  return [...new Set(collections)].sort();
}

/**
 * Applies one order's entries to the inventory, in order. Without `is_transaction` each entry stands
 * alone: a failed entry is undone and the rest go on. With it, the first failure undoes the whole
 * order: earlier entries become `rollback`, later ones stay `not_started`.
 */
export interface PlayerSession {
  catalog: Catalog;
  inventory: PlayerInventory;
  claims: PlayerClaims;
  now: Date;
  promotionFailureLimit: number;
  /** Another player's inventory, for a transfer to them; undefined when not loaded with this one. */
  inventoryOf?: (playerUuid: string) => PlayerInventory | undefined;
}

/**
 * The other players an order's transfers give to. Only a transfer names one, and only a transfer a
 * player client may not send: a client's order never makes the worker lock another player.
 */
export function counterpartiesOf(order: {
  player_uuid: string;
  source: string | null;
  entries: { type: string; to_player_uuid?: string | null }[];
}): string[] {
  if (order.source === 'CLIENT') return [];
  const others = order.entries
    .filter((entry) => entry.type === 'transfer_inventory_stack')
    .map((entry) => entry.to_player_uuid)
    .filter((uuid): uuid is string => uuid != null && uuid !== order.player_uuid);
  return [...new Set(others)];
}

/** A rolled-back entry keeps what it did, and says that each promotion use it took was given back. */
function rolledBackDetails(details: Detail[]): Detail[] {
  const returned = details
    .filter((detail) => detail.type === 'claim_promo_code')
    .map((detail): Detail => ({ type: 'return_promo_code', loot_id: detail.loot_id, code: detail.code }));
  return [...details, ...returned];
}

/** Dispatches an entry to its type's handler. */
function applyEntry<T extends EntryType>(context: EntryContext<T>): ResultCode {
  // TypeScript cannot correlate the table's key with the handler's type parameter; the table's own
  // type (EntryHandlers) pairs each type with its handler.
  const handler = entryHandlers[context.entry.type] as EntryHandler<T>;
  return handler(context);
}

export function applyOrder(order: QueuedOrder, session: PlayerSession): AppliedOrder {
  const { inventory, claims } = session;
  // Every inventory the order may change: the player's own, and those its transfers give to.
  const inventories = [
    inventory,
    ...counterpartiesOf(order).flatMap((uuid) => session.inventoryOf?.(uuid) ?? []),
  ];
  const checkpoint = () => ({
    inventories: inventories.map((each) => each.checkpoint()),
    claims: claims.checkpoint(),
  });
  const restore = (saved: ReturnType<typeof checkpoint>) => {
    inventories.forEach((each, index) => each.restore(saved.inventories[index]!));
    claims.restore(saved.claims);
  };
  const orderCheckpoint = checkpoint();
  const results: { result: ResultCode; details: Detail[] }[] = [];
  const unexpectedErrors: AppliedOrder['unexpectedErrors'] = [];
  let failedAt = -1;

  for (const entry of order.entries) {
    const entryCheckpoint = checkpoint();
    inventory.beginEntry({
      collectionId: entry.collection_id ?? DEFAULT_COLLECTION,
      stackId: entry.stack_id ?? DEFAULT_STACK,
      keepEmptyStacks: entry.keep_empty_stacks ?? false,
    });
    let result: ResultCode;
    try {
      result = !isKnownEntryType(entry.type)
        ? 'invalid_entry_type'
        : entry.collection_etag != null && entry.collection_etag !== inventory.collectionEtag()
          ? 'collection_etag_does_not_match'
          : applyEntry({ ...session, order, entry: entry as EntryOf<typeof entry.type> });
    } catch (error) {
      unexpectedErrors.push({ entryId: entry.entry_id, error });
      result = 'internal_error';
    }
    if (result !== 'success') restore(entryCheckpoint);
    results.push({ result, details: result === 'success' ? inventory.details.list : [] });
    if (result !== 'success' && order.is_transaction) {
      failedAt = results.length - 1;
      break;
    }
  }
  inventory.beginEntry();

  if (failedAt >= 0) {
    restore(orderCheckpoint);
    const entries = order.entries.map((entry, index): StoredEntry => {
      if (index < failedAt)
        return { ...entry, result: 'rollback', details: rolledBackDetails(results[index]!.details) };
      if (index === failedAt) return { ...entry, ...results[index]! };
      return { ...entry, result: 'not_started', details: [] };
    });
    return { status: 'failed', entries, unexpectedErrors, collectionEtags: etagsOf(order, inventory) };
  }

  const entries = order.entries.map((entry, index): StoredEntry => ({ ...entry, ...results[index]! }));
  const succeeded = entries.filter((entry) => entry.result === 'success').length;
  const status =
    succeeded === entries.length ? 'succeeded' : succeeded === 0 ? 'failed' : 'partially_succeeded';
  return { status, entries, unexpectedErrors, collectionEtags: etagsOf(order, inventory) };
}

const etagsOf = (order: QueuedOrder, inventory: PlayerInventory) =>
  order.origin === null
    ? null
    : Object.fromEntries(
        collectionsOf(order).map((collection) => [collection, inventory.collectionEtag(collection)]),
      );
