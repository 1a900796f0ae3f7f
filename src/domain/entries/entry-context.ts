import type { Catalog } from '../catalog.js';
import type { PlayerInventory } from '../inventory.js';
import type { PlayerClaims } from '../claims.js';
import type { EntryCreate, QueuedOrder } from '../order.js';
import type { EntryType, ResultCode } from '../vocabulary.js';

/** What an entry handler sees: the order it belongs to, the catalog, and the player's inventory. */
export interface EntryContext {
  order: QueuedOrder;
  entry: EntryCreate;
  catalog: Catalog;
  inventory: PlayerInventory;
  claims: PlayerClaims;
  now: Date;
  /** The brute-force guard on promotion codes: most failed codes per player in the window. */
  promotionFailureLimit: number;
}

/**
 * Applies one entry and answers its result code. A handler may change the inventory before it
 * fails: the engine undoes everything an entry did unless it answers `success`.
 */
export type EntryHandler = (context: EntryContext) => ResultCode;

export type EntryHandlers = Partial<Record<EntryType, EntryHandler>>;

export const isClient = (context: EntryContext) => context.order.source === 'CLIENT';
