import type { Catalog } from '../catalog.js';
import type { HistoryChangeView } from '../history.js';
import type { PlayerOrderView, StoredEntry } from '../order.js';
import { PlayFabError } from './errors.js';
import { tokenize, type Token } from './filter.js';

/**
 * GetTransactionHistory from the player's history (domain/history.ts): one transaction per entry
 * that changed a collection, in the order the changes took effect, whatever API made the order.
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
  revoke_inventory: 'Subtract',
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

/** The call a change's order was made by, by PlayFab's name; an order submitted as a Player Order is one. */
function apiNameOf(origin: string | null): string {
  return origin?.startsWith('playfab:') ? origin.slice('playfab:'.length) : 'PlayerOrder';
}

const itemTypeOf = (catalog: Catalog, itemId: number) =>
  catalog.items.get(itemId)?.currency ? 'currency' : 'catalogItem';

/** A transaction read from a player's history: the changes of one entry to one collection. */
export interface HistoryTransaction {
  orderId: string;
  entryIndex: number;
  /** Its changes' seqs, in the order read: where it starts and ends. */
  firstSeq: number;
  lastSeq: number;
  transaction: Transaction;
}

/**
 * GetTransactionHistory's transactions from a player's history, read in either direction: one per
 * run of changes that one entry made, each change an operation, in the order it took effect. Which
 * changes are the player's (a transfer's gains are its receiver's) the history already decided.
 */
export function transactionsFrom(changes: HistoryChangeView[], catalog: Catalog): HistoryTransaction[] {
  const runs: HistoryChangeView[][] = [];
  for (const change of changes) {
    const run = runs[runs.length - 1];
    const first = run?.[0];
    if (run && first!.order_id === change.order_id && first!.entry_index === change.entry_index)
      run.push(change);
    else runs.push([change]);
  }
  return runs.map((run) => {
    const first = run[0]!;
    const operations = [...run]
      .sort((a, b) => a.seq - b.seq)
      .map((change): TransactionOperation => {
        const delta = (change.after?.count ?? 0) - (change.before?.count ?? 0);
        return {
          Type: delta > 0 ? 'Add' : delta < 0 ? 'Subtract' : 'Update',
          ItemId: String(change.item_id),
          ItemType: itemTypeOf(catalog, change.item_id),
          StackId: (change.after ?? change.before)!.stack_id,
          Amount: Math.abs(delta),
        };
      });
    return {
      orderId: first.order_id,
      entryIndex: first.entry_index,
      firstSeq: first.seq,
      lastSeq: run[run.length - 1]!.seq,
      transaction: {
        TransactionId: transactionId(first.order_id, first.entry_index),
        Timestamp: first.applied_time,
        ApiName: apiNameOf(first.origin),
        OperationType: OPERATION_TYPES[first.entry_type] ?? 'Grant',
        ItemType: operations[0]!.ItemType,
        Operations: operations,
      },
    };
  });
}

const player = (id: string) => ({ Id: id, Type: 'title_player_account' });

/** What only the entry itself tells: the store of a purchase, both sides of a transfer. */
export function withEntryDetails(
  transaction: Transaction,
  order: Pick<PlayerOrderView, 'order_id' | 'player_uuid'>,
  entry: StoredEntry,
  catalog: Catalog,
): Transaction {
  if (entry.type === 'purchase_loot' && entry.loot_id != null) {
    const vendorId = catalog.loot.get(entry.loot_id)?.vendor_id;
    return {
      ...transaction,
      PurchaseDetails: {
        ItemId: String(entry.loot_id),
        ...(vendorId != null && { StoreId: String(vendorId) }),
      },
    };
  }
  if (entry.type === 'transfer_inventory_stack') {
    const from = entry.collection_id ?? 'default';
    return {
      ...transaction,
      TransferDetails: {
        TransferId: order.order_id,
        GivingEntity: player(order.player_uuid),
        ReceivingEntity: player(entry.to_player_uuid ?? order.player_uuid),
        GivingCollectionId: from,
        ReceivingCollectionId: entry.to_collection_id ?? from,
      },
    };
  }
  return transaction;
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
