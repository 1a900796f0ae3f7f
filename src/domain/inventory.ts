import { createHash, randomUUID } from 'node:crypto';
import type { Catalog } from './catalog.js';
import { EntryDetails, type InventoryRecordView } from './details.js';
import {
  MAX_COUNT,
  MAX_RECORDS_PER_PLAYER,
  type Bucket,
  type InventoryType,
  type ResultCode,
} from './vocabulary.js';

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
  };
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
    if (stored) return stored;
    const owned = this.catalog.alwaysOwnedItems.find(
      (item) => alwaysOwnedInventoryId(this.playerUuid, item.id) === inventoryId,
    );
    return owned && alwaysOwnedRecord(this.playerUuid, owned.id);
  }

  findByLegacyId(legacyId: number): InventoryRecordView | undefined {
    for (const record of this.records.values()) if (record.legacy_inventory_id === legacyId) return record;
    return undefined;
  }

  private liveRecordsOf(itemId: number): InventoryRecordView[] {
    return [...this.records.values()].filter(
      (record) => record.item_id === itemId && !this.isExpired(record),
    );
  }

  /** How many of an item the player can spend: unexpired stored records only. */
  spendableCount(itemId: number): number {
    return this.liveRecordsOf(itemId).reduce((sum, record) => sum + record.count, 0);
  }

  /** How many of an item the player holds, an always-owned item counting as one. */
  heldCount(itemId: number): number {
    return this.spendableCount(itemId) + (this.catalog.items.get(itemId)?.always_owned ? 1 : 0);
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
  spend(itemId: number, quantity: number, lootId: number | null, shortfall: ResultCode): ResultCode | null {
    if (quantity === 0) return null;
    const candidates = this.liveRecordsOf(itemId).sort(compareForSpending);
    if (candidates.reduce((sum, record) => sum + record.count, 0) < quantity) return shortfall;
    let left = quantity;
    for (const record of candidates) {
      if (left === 0) break;
      const taken = Math.min(record.count, left);
      left -= taken;
      this.put(record, record.count === taken ? null : { ...record, count: record.count - taken }, lootId);
    }
    return null;
  }

  /**
   * Adds to an unexpired record of the same item, type and bucket without expiry, else makes a
   * record. Unique items are held at most once and always-owned ones are never stored: granting
   * what is already held changes nothing and is not a failure. Null when granted.
   */
  grant(grant: Grant): ResultCode | null {
    const item = this.catalog.items.get(grant.itemId);
    if (item?.always_owned) return null;
    let quantity = grant.quantity;
    if (item?.unique) {
      if (this.heldCount(grant.itemId) > 0) return null;
      quantity = Math.min(quantity, 1);
    }
    // A record's count stays within 1..MAX_COUNT.
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_COUNT) {
      return 'failed_to_modify_inventory';
    }

    if (!grant.separateRecord && grant.expires === null) {
      const existing = this.liveRecordsOf(grant.itemId).find(
        (record) => record.type === grant.type && record.bucket === grant.bucket && record.expires === null,
      );
      if (existing) {
        if (existing.count + quantity > MAX_COUNT) return 'failed_to_modify_inventory';
        this.put(existing, { ...existing, count: existing.count + quantity }, grant.lootId);
        return null;
      }
    }
    // A player holds at most MAX_RECORDS_PER_PLAYER live records.
    if (this.liveRecordCount() >= MAX_RECORDS_PER_PLAYER) return 'failed_to_modify_inventory';
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
