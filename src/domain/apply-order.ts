import type { Catalog } from './catalog.js';
import { EntryDetails, type Detail } from './details.js';
import type { StoredEntry } from './entities.js';
import { entryHandlers } from './entries/index.js';
import type { PlayerInventory } from './inventory.js';
import { isKnownEntryType, type OrderRequest } from './order-request.js';
import type { OrderStatus, ResultCode } from './vocabulary.js';

export interface AppliedOrder {
  status: Extract<OrderStatus, 'succeeded' | 'partially_succeeded' | 'failed'>;
  entries: StoredEntry[];
  /** Exceptions that turned entries into `internal_error`, for the caller to log. */
  unexpectedErrors: { entryId: string; error: unknown }[];
}

/**
 * Applies one order's entries to the inventory, in order. Without `is_transaction` each entry stands
 * alone: a failed entry is undone and the rest go on. With it, the first failure undoes the whole
 * order: earlier entries become `rollback`, later ones stay `not_started`.
 */
export function applyOrder(
  order: OrderRequest,
  catalog: Catalog,
  inventory: PlayerInventory,
  now: Date,
): AppliedOrder {
  const orderCheckpoint = inventory.checkpoint();
  const results: { result: ResultCode; details: Detail[] }[] = [];
  const unexpectedErrors: AppliedOrder['unexpectedErrors'] = [];
  let failedAt = -1;

  for (const entry of order.entries) {
    const checkpoint = inventory.checkpoint();
    inventory.details = new EntryDetails();
    let result: ResultCode;
    try {
      const handler = isKnownEntryType(entry.type) ? entryHandlers[entry.type] : undefined;
      result = handler ? handler({ order, entry, catalog, inventory, now }) : 'invalid_entry_type';
    } catch (error) {
      unexpectedErrors.push({ entryId: entry.entry_id, error });
      result = 'internal_error';
    }
    if (result !== 'success') inventory.restore(checkpoint);
    results.push({ result, details: result === 'success' ? inventory.details.list : [] });
    if (result !== 'success' && order.is_transaction) {
      failedAt = results.length - 1;
      break;
    }
  }
  inventory.details = new EntryDetails();

  if (failedAt >= 0) {
    inventory.restore(orderCheckpoint);
    const entries = order.entries.map((entry, index): StoredEntry => {
      if (index < failedAt) return { ...entry, result: 'rollback', details: results[index]!.details };
      if (index === failedAt) return { ...entry, ...results[index]! };
      return { ...entry, result: 'not_started', details: [] };
    });
    return { status: 'failed', entries, unexpectedErrors };
  }

  const entries = order.entries.map((entry, index): StoredEntry => ({ ...entry, ...results[index]! }));
  const succeeded = entries.filter((entry) => entry.result === 'success').length;
  const status =
    succeeded === entries.length ? 'succeeded' : succeeded === 0 ? 'failed' : 'partially_succeeded';
  return { status, entries, unexpectedErrors };
}
