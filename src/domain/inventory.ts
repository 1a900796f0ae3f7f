import { createHash, randomUUID } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { Catalog } from './catalog.js';
import { EntryDetails, type InventoryRecordView } from './details.js';
import {
  MAX_COLLECTIONS_PER_PLAYER,
  MAX_COUNT,
  MAX_RECORDS_PER_PLAYER,
  type Bucket,
  type InventoryType,
  type ResultCode,
} from './vocabulary.js';

/** Where records go unless an entry names another collection or stack. */
export const DEFAULT_COLLECTION = 'default';
export const DEFAULT_STACK = 'default';

/**
 * The part of the inventory an entry works in: it sees, spends and changes the records of its
 * collection only, and its grants go into its stack.
 */
export interface EntryScope {
  collectionId: string;
  stackId: string;
  /** A stack the entry empties stays, at 0 (PlayFab's default); else an emptied record is removed. */
  keepEmptyStacks: boolean;
}

const DEFAULT_SCOPE: EntryScope = {
  collectionId: DEFAULT_COLLECTION,
  stackId: DEFAULT_STACK,
  keepEmptyStacks: false,
};

export interface TakeOptions {
  /** Take from this stack only (else from every stack of the entry's collection). */
  stackId?: string;
  /** Keep an emptied stack at 0 (else as the entry says). */
  keepEmptyStacks?: boolean;
}

/** What spending took from one record: how a transfer knows what it moves. */
export interface Taken {
  record: InventoryRecordView;
  count: number;
}

export interface Checkpoint {
  records: Map<string, InventoryRecordView>;
  nextLegacyId: number;
}

export interface Grant {
  itemId: number;
  type: Exclude<InventoryType, 'always_owned'>;
  bucket: Bucket;
  quantity: number;
  expires: string | null;
  lootId: number | null;
  customData?: Record<string, string>;
  /** Always make a record of its own instead of adding to an existing one. */
  separateRecord?: boolean;
  /** Where the grant goes when not into the entry's own collection and stack (a transfer's receiving end). */
  collectionId?: string;
  stackId?: string;
  /** The stack's display properties, if the grant creates the stack. */
  newStackDisplayProperties?: Record<string, unknown>;
  /**
   * What is granted was taken from somewhere (a transfer): a grant the item's rules would make
   * change nothing (a unique item already held, an always-owned one) fails instead of losing it.
   */
  mustArrive?: boolean;
}

export interface RecordChanges {
  count?: number;
  itemId?: number;
  expires?: string | null;
  customData?: Record<string, string>;
}

export interface InventoryDiff {
  inserted: InventoryRecordView[];
  updated: InventoryRecordView[];
  deleted: InventoryRecordView[];
}

/** Always-owned records are not stored; each has a stable id made from the player and the item. */
export function alwaysOwnedInventoryId(playerUuid: string, itemId: number): string {
  const hex = createHash('sha1').update(`always_owned:${playerUuid}:${itemId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function alwaysOwnedRecord(playerUuid: string, itemId: number): InventoryRecordView {
  return {
    inventory_id: alwaysOwnedInventoryId(playerUuid, itemId),
    type: 'always_owned',
    legacy_inventory_id: null,
    bucket: null,
    count: 1,
    acquired: new Date(0).toISOString(),
    expires: null,
    custom_data: {},
    item_id: itemId,
    collection_id: DEFAULT_COLLECTION,
    stack_id: DEFAULT_STACK,
    display_properties: null,
  };
}

/**
 * A collection's ETag: a digest of its records (what they hold, not when they were read), so it
 * changes with every change to the collection and a caller holding it knows its view is current.
 */
export function collectionEtag(records: Iterable<InventoryRecordView>): string {
  const sorted = [...records].sort((a, b) => (a.inventory_id < b.inventory_id ? -1 : 1));
  return createHash('sha256')
    .update(stringify(sorted) ?? '')
    .digest('base64url')
    .slice(0, 22);
}

function compareForSpending(a: InventoryRecordView, b: InventoryRecordView): number {
  if (a.expires !== b.expires) {
    if (a.expires === null) return 1;
    if (b.expires === null) return -1;
    return a.expires < b.expires ? -1 : 1;
  }
  if (a.acquired !== b.acquired) return a.acquired < b.acquired ? -1 : 1;
  return (a.legacy_inventory_id ?? 0) - (b.legacy_inventory_id ?? 0);
}

/**
 * One player's inventory, held in memory while a batch of their orders is applied. Entries change it
 * through these methods only; each change is noted in the running entry's details. A checkpoint is a
 * cheap copy (records are immutable), which is how a failed entry or transaction is undone.
 */
export class PlayerInventory {
  private records: Map<string, InventoryRecordView>;
  private readonly initial: Map<string, InventoryRecordView>;
  private readonly initialNextLegacyId: number;
  private nextLegacyId: number;
  private readonly nowIso: string;
  private scope: EntryScope = DEFAULT_SCOPE;
  details = new EntryDetails();

  constructor(
    readonly playerUuid: string,
    records: InventoryRecordView[],
    nextLegacyId: number,
    readonly now: Date,
    private readonly catalog: Catalog,
  ) {
    this.records = new Map(records.map((record) => [record.inventory_id, record]));
    this.initial = new Map(this.records);
    this.nextLegacyId = nextLegacyId;
    this.initialNextLegacyId = nextLegacyId;
    this.nowIso = now.toISOString();
  }

  /** Starts an entry: fresh details, and the collection and stack it works in. */
  beginEntry(scope: EntryScope = DEFAULT_SCOPE): void {
    this.scope = scope;
    this.details = new EntryDetails();
  }

  /** Always-owned items belong to the default collection only. */
  private get seesAlwaysOwned(): boolean {
    return this.scope.collectionId === DEFAULT_COLLECTION;
  }

  /** The ETag of a collection (the entry's unless named) as it is now. */
  collectionEtag(collectionId = this.scope.collectionId): string {
    return collectionEtag(
      [...this.records.values()].filter((record) => record.collection_id === collectionId),
    );
  }

  checkpoint(): Checkpoint {
    return { records: new Map(this.records), nextLegacyId: this.nextLegacyId };
  }

  restore(checkpoint: Checkpoint): void {
    this.records = new Map(checkpoint.records);
    this.nextLegacyId = checkpoint.nextLegacyId;
  }

  isExpired(record: InventoryRecordView): boolean {
    return record.expires !== null && Date.parse(record.expires) <= this.now.getTime();
  }

  findById(inventoryId: string): InventoryRecordView | undefined {
    const stored = this.records.get(inventoryId);
    if (stored) return stored.collection_id === this.scope.collectionId ? stored : undefined;
    if (!this.seesAlwaysOwned) return undefined;
    const owned = this.catalog.alwaysOwnedItems.find(
      (item) => alwaysOwnedInventoryId(this.playerUuid, item.id) === inventoryId,
    );
    return owned && alwaysOwnedRecord(this.playerUuid, owned.id);
  }

  findByLegacyId(legacyId: number): InventoryRecordView | undefined {
    for (const record of this.records.values()) {
      if (record.legacy_inventory_id === legacyId && record.collection_id === this.scope.collectionId)
        return record;
    }
    return undefined;
  }

  /** The unexpired records of an item in a collection (the entry's unless named), of one stack if named. */
  private liveRecordsOf(
    itemId: number,
    stackId?: string,
    collectionId = this.scope.collectionId,
  ): InventoryRecordView[] {
    return [...this.records.values()].filter(
      (record) =>
        record.item_id === itemId &&
        record.collection_id === collectionId &&
        (stackId === undefined || record.stack_id === stackId) &&
        !this.isExpired(record),
    );
  }

  /** How many of an item the player can spend in the entry's collection (of one stack if named). */
  spendableCount(itemId: number, stackId?: string): number {
    return this.liveRecordsOf(itemId, stackId).reduce((sum, record) => sum + record.count, 0);
  }

  /** How many of an item the player holds, an always-owned item counting as one. */
  heldCount(itemId: number): number {
    const alwaysOwned = this.seesAlwaysOwned && this.catalog.items.get(itemId)?.always_owned;
    return this.spendableCount(itemId) + (alwaysOwned ? 1 : 0);
  }

  /**
   * A stack's records in the entry's collection, expired ones too: a stack is there while any of its
   * records is, and its amount is what its unexpired records hold.
   */
  stackRecords(itemId: number, stackId: string): InventoryRecordView[] {
    return [...this.records.values()].filter(
      (record) =>
        record.item_id === itemId &&
        record.collection_id === this.scope.collectionId &&
        record.stack_id === stackId,
    );
  }

  private isNewCollectionOverLimit(collectionId: string): boolean {
    const collections = new Set<string>();
    for (const record of this.records.values()) collections.add(record.collection_id);
    return !collections.has(collectionId) && collections.size >= MAX_COLLECTIONS_PER_PLAYER;
  }

  private liveRecordCount(): number {
    let count = 0;
    for (const record of this.records.values()) if (!this.isExpired(record)) count++;
    return count;
  }

  /**
   * Takes `quantity` of an item, soonest-expiring records first, then oldest. All or nothing: when
   * the player holds less, nothing is taken and the answer is `shortfall`, the code of what was
   * being paid (a price, a coupon, a consumed requirement).
   */
  spend(
    itemId: number,
    quantity: number,
    lootId: number | null,
    shortfall: ResultCode,
    options: TakeOptions = {},
  ): ResultCode | null {
    const taken = this.take(itemId, quantity, lootId, options);
    return taken ? null : shortfall;
  }

  /**
   * Spends `quantity` of an item (from one stack if named), as `spend` does, and answers what it took
   * from each record; null, taking nothing, when the player holds less.
   */
  take(itemId: number, quantity: number, lootId: number | null, options: TakeOptions = {}): Taken[] | null {
    if (quantity === 0) return [];
    const keepEmptyStacks = options.keepEmptyStacks ?? this.scope.keepEmptyStacks;
    // A record at 0 has nothing to give, and is a stack kept empty on purpose: spending leaves it.
    const candidates = this.liveRecordsOf(itemId, options.stackId)
      .filter((record) => record.count > 0)
      .sort(compareForSpending);
    if (candidates.reduce((sum, record) => sum + record.count, 0) < quantity) return null;
    const taken: Taken[] = [];
    let left = quantity;
    for (const record of candidates) {
      if (left === 0) break;
      const count = Math.min(record.count, left);
      left -= count;
      taken.push({ record, count });
      const emptied = record.count === count;
      // A stack kept empty keeps one record, at 0, once none of its others is left.
      const keep = emptied && keepEmptyStacks && this.stackRecords(itemId, record.stack_id).length === 1;
      this.put(record, emptied && !keep ? null : { ...record, count: record.count - count }, lootId);
    }
    return taken;
  }

  /** Removes every record of the entry's collection. */
  deleteCollection(): void {
    for (const record of [...this.records.values()]) {
      if (record.collection_id === this.scope.collectionId) this.put(record, null, null);
    }
  }

  /** Removes a stack: every record of it. */
  deleteStack(itemId: number, stackId: string): void {
    for (const record of this.stackRecords(itemId, stackId)) this.put(record, null, null);
  }

  /** Sets the display properties of every record of a stack (they are the stack's, one value). */
  setStackDisplayProperties(itemId: number, stackId: string, properties: Record<string, unknown>): void {
    for (const record of this.stackRecords(itemId, stackId)) {
      this.put(record, { ...record, display_properties: properties }, null);
    }
  }

  /**
   * Adds to an unexpired record of the same item, type and bucket without expiry, else makes a
   * record. Unique items are held at most once and always-owned ones are never stored: granting
   * what is already held changes nothing and is not a failure. Null when granted.
   */
  grant(grant: Grant): ResultCode | null {
    const item = this.catalog.items.get(grant.itemId);
    const collectionId = grant.collectionId ?? this.scope.collectionId;
    const stackId = grant.stackId ?? this.scope.stackId;
    // What moves (a transfer) must arrive: one that would vanish into these rules fails instead.
    const vanishes: ResultCode | null = grant.mustArrive ? 'failed_to_modify_inventory' : null;
    if (item?.always_owned) return vanishes;
    let quantity = grant.quantity;
    if (item?.unique) {
      const held = this.liveRecordsOf(grant.itemId, undefined, collectionId).some(
        (record) => record.count > 0,
      );
      if (held) return vanishes;
      if (grant.mustArrive && quantity > 1) return 'failed_to_modify_inventory';
      quantity = Math.min(quantity, 1);
    }
    // A record's count stays within 0..MAX_COUNT; a grant of 0 makes an empty stack where none is.
    if (!Number.isSafeInteger(quantity) || quantity < 0 || quantity > MAX_COUNT) {
      return 'failed_to_modify_inventory';
    }
    const stack = this.liveRecordsOf(grant.itemId, stackId, collectionId);

    if (!grant.separateRecord && grant.expires === null) {
      const existing = stack.find(
        (record) => record.type === grant.type && record.bucket === grant.bucket && record.expires === null,
      );
      if (existing) {
        if (existing.count + quantity > MAX_COUNT) return 'failed_to_modify_inventory';
        this.put(existing, { ...existing, count: existing.count + quantity }, grant.lootId);
        return null;
      }
    }
    // A player holds at most MAX_RECORDS_PER_PLAYER live records, in at most MAX_COLLECTIONS_PER_PLAYER collections.
    if (this.liveRecordCount() >= MAX_RECORDS_PER_PLAYER) return 'failed_to_modify_inventory';
    if (this.isNewCollectionOverLimit(collectionId)) return 'failed_to_modify_inventory';
    const record: InventoryRecordView = {
      inventory_id: randomUUID(),
      type: grant.type,
      legacy_inventory_id: this.nextLegacyId++,
      bucket: grant.bucket,
      count: quantity,
      acquired: this.nowIso,
      expires: grant.expires,
      custom_data: grant.customData ?? {},
      item_id: grant.itemId,
      collection_id: collectionId,
      stack_id: stackId,
      // A stack's display properties are one value: a new record of a stack that is there takes its.
      display_properties:
        stack.length > 0 ? stack[0]!.display_properties : (grant.newStackDisplayProperties ?? null),
    };
    this.put(null, record, grant.lootId);
    return null;
  }

  /**
   * Changes a stored record; a count of 0 removes it. `failed_to_modify_inventory` when the change
   * would break a rule of the items; null when changed.
   */
  update(record: InventoryRecordView, changes: RecordChanges): ResultCode | null {
    const count = changes.count ?? record.count;
    // A count stays within 0..MAX_COUNT (0 removes the record).
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) return 'failed_to_modify_inventory';
    const itemId = changes.itemId ?? record.item_id;
    const item = this.catalog.items.get(itemId);
    // An always-owned item is never stored.
    if (count > 0 && item?.always_owned) return 'failed_to_modify_inventory';
    // A unique item is held once: never more than one of it, never a second record of it.
    if (count > 1 && item?.unique) return 'failed_to_modify_inventory';
    if (count > 0 && item?.unique && itemId !== record.item_id && this.heldCount(itemId) > 0) {
      return 'failed_to_modify_inventory';
    }
    if (count === 0) {
      this.put(record, null, null);
      return null;
    }
    this.put(
      record,
      {
        ...record,
        count,
        item_id: itemId,
        expires: changes.expires === undefined ? record.expires : changes.expires,
        custom_data: changes.customData ?? record.custom_data,
      },
      null,
    );
    return null;
  }

  private put(
    before: InventoryRecordView | null,
    after: InventoryRecordView | null,
    lootId: number | null,
  ): void {
    if (before) this.records.delete(before.inventory_id);
    if (after) this.records.set(after.inventory_id, after);
    this.details.recordChange(before, after, lootId);
  }

  /** What changed since this inventory was loaded, for writing back in one go. */
  diff(): InventoryDiff {
    const diff: InventoryDiff = { inserted: [], updated: [], deleted: [] };
    for (const [inventoryId, record] of this.records) {
      const before = this.initial.get(inventoryId);
      if (!before) diff.inserted.push(record);
      else if (before !== record) diff.updated.push(record);
    }
    for (const [inventoryId, record] of this.initial)
      if (!this.records.has(inventoryId)) diff.deleted.push(record);
    return diff;
  }

  get nextLegacyInventoryId(): number {
    return this.nextLegacyId;
  }

  get legacyIdsAdvanced(): boolean {
    return this.nextLegacyId !== this.initialNextLegacyId;
  }
}
