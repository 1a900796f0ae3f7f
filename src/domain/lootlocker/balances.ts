import { z } from 'zod';
import type { Catalog, Item } from '../catalog.js';
import type { InventoryRecordView } from '../details.js';
import { DEFAULT_COLLECTION, DEFAULT_STACK } from '../inventory.js';
import { text, uuid } from '../schema-types.js';
import { MAX_COUNT } from '../vocabulary.js';
import { LootLockerError } from './errors.js';

/**
 * LootLocker's wallets and balances in Armory's terms: a currency is a catalog item marked
 * `currency` (its `friendly_id` is the currency code); a balance is the amount of the holder's
 * stack of it (default collection, default stack); amounts are decimal strings.
 */

/** An amount as LootLocker sends it, a decimal string, within what a count may hold. */
export const amountSchema = z
  .string()
  .regex(/^\d{1,10}$/, 'a whole number as a decimal string')
  .transform((value) => Number(value))
  .refine((value) => value >= 1 && value <= MAX_COUNT, `between 1 and ${MAX_COUNT}`);

export const balanceChangeSchema = z.looseObject({
  amount: amountSchema,
  currency_id: text(1, 128),
  wallet_id: uuid,
});

export const createWalletSchema = z.looseObject({
  holder_id: text(1, 64),
  holder_type: z.enum(['player', 'character']).default('player'),
});

/** The currency a `currency_id` names: the item's id as a string, or its code (friendly id). */
export function currencyOf(catalog: Catalog, currencyId: string): Item {
  const item = /^\d{1,10}$/.test(currencyId)
    ? catalog.items.get(Number(currencyId))
    : catalog.itemsByFriendlyId.get(currencyId);
  if (!item?.currency) throw new LootLockerError('not_found', `no currency ${currencyId}`);
  return item;
}

export const currenciesOf = (catalog: Catalog) =>
  [...catalog.items.values()].filter((item) => item.currency).sort((a, b) => a.id - b.id);

/** A currency as LootLocker lists it. */
export function currencyView(item: Item) {
  return {
    id: String(item.id),
    name: item.name,
    code: item.friendly_id ?? String(item.id),
    game_api_writes_enabled: false,
    created_at: null,
    published_at: null,
  };
}

/** The balance of each currency the holder has a stack of, as a decimal string. */
export function balancesOf(records: InventoryRecordView[], catalog: Catalog, now: Date): Map<number, string> {
  const balances = new Map<number, number>();
  for (const record of records) {
    if (record.collection_id !== DEFAULT_COLLECTION || record.stack_id !== DEFAULT_STACK) continue;
    if (!catalog.items.get(record.item_id)?.currency) continue;
    if (record.expires !== null && Date.parse(record.expires) <= now.getTime()) continue;
    balances.set(record.item_id, (balances.get(record.item_id) ?? 0) + record.count);
  }
  return new Map([...balances].sort(([a], [b]) => a - b).map(([itemId, amount]) => [itemId, String(amount)]));
}

/** What a credit or a debit becomes: one entry on the currency's default stack. */
export const balanceEntry = (direction: 'credit' | 'debit', itemId: number, amount: number) => ({
  type: direction === 'credit' ? 'add_inventory_stack' : 'subtract_inventory_stack',
  item_id: itemId,
  quantity: amount,
  keep_empty_stacks: true,
});
