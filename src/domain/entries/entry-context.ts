import type { Catalog } from '../catalog.js';
import type { PlayerClaims } from '../claims.js';
import type { PlayerInventory } from '../inventory.js';
import type { EntryOf, QueuedOrder } from '../order.js';
import type { EntryType, ResultCode } from '../vocabulary.js';

/** What an entry handler sees: the order it belongs to, the catalog, and the player's inventory. */
export interface EntryContext<T extends EntryType = EntryType> {
  order: QueuedOrder;
  /** The entry, with the fields its type requires (validated when the order was accepted). */
  entry: EntryOf<T>;
  catalog: Catalog;
  inventory: PlayerInventory;
  claims: PlayerClaims;
  now: Date;
  /** The brute-force guard on promotion codes: most failed codes per player in the window. */
  promotionFailureLimit: number;
  /** Another player's inventory, for a transfer to them (loaded with this player's). */
  inventoryOf?: (playerUuid: string) => PlayerInventory | undefined;
}

/**
 * Applies one entry and answers its result code. A handler may change the inventory before it
 * fails: the engine undoes everything an entry did unless it answers `success`.
 */
export type EntryHandler<T extends EntryType> = (context: EntryContext<T>) => ResultCode;

/** One handler per entry type. */
export type EntryHandlers = { [T in EntryType]: EntryHandler<T> };

export const isClient = (context: EntryContext) => context.order.source === 'CLIENT';

/**
 * Refuses a player client what only a game server, ops or a platform may do (create records, fill
 * platform entitlements). Named so that `permission_denied` leads to each rule that yields it.
 */
export function refuseClient(context: EntryContext): ResultCode | null {
  return isClient(context) ? 'permission_denied' : null;
}
