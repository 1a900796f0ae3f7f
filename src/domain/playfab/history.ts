import type { Catalog } from '../catalog.js';
import type { PlayerOrderView, StoredEntry } from '../order.js';
import { PlayFabError } from './errors.js';
import { tokenize, type Token } from './filter.js';

/**
 * GetTransactionHistory from the orders that changed a collection: one transaction per entry that
 * took effect, in the player's effect order (applied_seq), whatever API made the order.
 */

/** PlayFab's name of what an entry did. */
const OPERATION_TYPES: Record<string, string> = {
  add_inventory_stack: 'Add',
  subtract_inventory_stack: 'Subtract',
  set_inventory_stack: 'Update',
  delete_inventory_stack: 'Delete',
  transfer_inventory_stack: 'Transfer',
  purchase_loot: 'Purchase',
  purchase_dynamic_bundle: 'Purchase',
};

export interface TransactionOperation {
  Type: 'Add' | 'Subtract' | 'Update';
  ItemId: string;
  ItemType: string;
  StackId: string;
  Amount: number;
}

export interface Transaction {
  TransactionId: string;
  Timestamp: string;
  ApiName: string;
  OperationType: string;
  ItemType: string;
  Operations: TransactionOperation[];
  PurchaseDetails?: { ItemId: string; StoreId?: string };
  TransferDetails?: {
    TransferId: string;
    GivingEntity: { Id: string; Type: string };
    ReceivingEntity: { Id: string; Type: string };
    GivingCollectionId: string;
    ReceivingCollectionId: string;
  };
}

/** A transaction's id: its order and entry, so it leads back to both. */
export const transactionId = (orderId: string, entryIndex: number) => `${orderId}.${entryIndex}`;

/** The call an order was made by, by PlayFab's name; an order submitted as a Player Order is one. */
function apiNameOf(order: PlayerOrderView): string {
  return order.origin?.startsWith('playfab:') ? order.origin.slice('playfab:'.length) : 'PlayerOrder';
}

const itemTypeOf = (catalog: Catalog, itemId: number) =>
  catalog.items.get(itemId)?.currency ? 'currency' : 'catalogItem';

/**
 * What one entry did to one collection of the order's player, as operations: one per stack whose
 * amount or properties moved. A transfer to another player also details the receiver's records,
 * all of them gains; the giver's side is only what it gave.
 */
function operationsOf(
  order: PlayerOrderView,
  entry: StoredEntry,
  collectionId: string,
  catalog: Catalog,
): TransactionOperation[] {
  const givesAway =
    entry.type === 'transfer_inventory_stack' &&
    (entry.to_player_uuid ?? order.player_uuid) !== order.player_uuid;
  const operations: TransactionOperation[] = [];
  for (const detail of entry.details) {
    const change = detail.inv_change;
    const record = change?.after ?? change?.before;
    if (!change || !record || record.collection_id !== collectionId) continue;
    const delta = (change.after?.count ?? 0) - (change.before?.count ?? 0);
    if (givesAway && delta >= 0) continue;
    operations.push({
      Type: delta > 0 ? 'Add' : delta < 0 ? 'Subtract' : 'Update',
      ItemId: String(record.item_id),
      ItemType: itemTypeOf(catalog, record.item_id),
      StackId: record.stack_id,
      Amount: Math.abs(delta),
    });
  }
  return operations;
}

const player = (id: string) => ({ Id: id, Type: 'title_player_account' });

/** The transactions an order recorded in one collection of its player. */
export function transactionsOf(
  order: PlayerOrderView,
  collectionId: string,
  catalog: Catalog,
): Transaction[] {
  if (order.completed_time === null) return [];
  const transactions: Transaction[] = [];
  order.entries.forEach((entry, index) => {
    if (entry.result !== 'success') return;
    const operations = operationsOf(order, entry, collectionId, catalog);
    if (operations.length === 0) return;
    const transaction: Transaction = {
      TransactionId: transactionId(order.order_id, index),
      Timestamp: order.completed_time!,
      ApiName: apiNameOf(order),
      OperationType: OPERATION_TYPES[entry.type] ?? 'Grant',
      ItemType: operations[0]!.ItemType,
      Operations: operations,
    };
    if (entry.type === 'purchase_loot' && entry.loot_id != null) {
      const vendorId = catalog.loot.get(entry.loot_id)?.vendor_id;
      transaction.PurchaseDetails = {
        ItemId: String(entry.loot_id),
        ...(vendorId != null && { StoreId: String(vendorId) }),
      };
    }
    if (entry.type === 'transfer_inventory_stack') {
      const from = entry.collection_id ?? 'default';
      transaction.TransferDetails = {
        TransferId: order.order_id,
        GivingEntity: player(order.player_uuid),
        ReceivingEntity: player(entry.to_player_uuid ?? order.player_uuid),
        GivingCollectionId: from,
        ReceivingCollectionId: entry.to_collection_id ?? from,
      };
    }
    transactions.push(transaction);
  });
  return transactions;
}

export type TransactionPredicate = (transaction: Transaction) => boolean;

const invalid = (why: string) =>
  new PlayFabError(
    'InvalidParams',
    `Filter: ${why}; supported are timestamp (ge, gt, le, lt), apiname eq, operationtype eq, transactionid eq, joined by and`,
  );

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  ge: (a, b) => a >= b,
  gt: (a, b) => a > b,
  le: (a, b) => a <= b,
  lt: (a, b) => a < b,
};

/**
 * GetTransactionHistory's `Filter`: `timestamp` compared (ge, gt, le, lt) with a datetime, and at
 * most one of `apiname`, `operationtype` or `transactionid` with eq and a quoted string, joined by
 * `and`, each comparison optionally in parentheses (PlayFab's documented combinations).
 */
export function parseHistoryFilter(filter: string): TransactionPredicate {
  const tokens = tokenize(filter, invalid);
  const predicates: TransactionPredicate[] = [];
  const named = new Set<string>();
  let at = 0;
  const word = (token: Token | undefined) => (token?.kind === 'word' ? token.text : undefined);
  for (;;) {
    let parenthesized = false;
    if (tokens[at]?.kind === '(') {
      parenthesized = true;
      at++;
    }
    const field = word(tokens[at++])?.toLowerCase();
    const operator = word(tokens[at++]);
    const value = tokens[at++];
    if (field === 'timestamp') {
      const compare = operator ? COMPARE[operator] : undefined;
      const when = value?.kind === 'word' || value?.kind === 'string' ? Date.parse(value.text) : NaN;
      if (!compare || Number.isNaN(when)) throw invalid('timestamp needs ge, gt, le or lt and a datetime');
      predicates.push((transaction) => compare(Date.parse(transaction.Timestamp), when));
    } else if (field === 'apiname' || field === 'operationtype' || field === 'transactionid') {
      if (operator !== 'eq' || value?.kind !== 'string')
        throw invalid(`${field} needs eq and a quoted string`);
      named.add(field);
      const key = (
        { apiname: 'ApiName', operationtype: 'OperationType', transactionid: 'TransactionId' } as const
      )[field];
      predicates.push((transaction) => transaction[key] === value.text);
    } else {
      throw invalid(`unknown field ${field ?? ''}`);
    }
    if (parenthesized && tokens[at++]?.kind !== ')') throw invalid('a parenthesis is not closed');
    if (at === tokens.length) break;
    if (word(tokens[at++]) !== 'and') throw invalid('comparisons are joined by and');
  }
  if (named.size > 1) throw invalid('apiname, operationtype and transactionid cannot be combined');
  return (transaction) => predicates.every((predicate) => predicate(transaction));
}
