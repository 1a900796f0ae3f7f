import pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * Word from PostgreSQL that orders became final. The write-back that makes orders final also
 * NOTIFYs their ids (saveGroupState), which PostgreSQL delivers when, and only if, that
 * transaction commits. An API process LISTENs on one connection of its own and wakes the requests
 * waiting for those orders (`Prefer: wait`, PlayFab's synchronous writes), which then read the
 * order as usual. A notification is only a hint to look now: a waiter still polls, more slowly,
 * so one lost while the connection is down costs time, never an answer.
 */

export const FINAL_ORDERS_CHANNEL = 'armory_order_final';
/** PostgreSQL refuses a payload of 8,000 bytes or more; ids are ASCII. */
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MS = 1000;

/** A group's final order ids as NOTIFY payloads: space-separated, as many as the ids need. */
export function finalOrderPayloads(orderIds: string[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const orderId of orderIds) {
    if (current && current.length + 1 + orderId.length > MAX_PAYLOAD_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current} ${orderId}` : orderId;
  }
  if (current) payloads.push(current);
  return payloads;
}

/** One waiter's view of an order's notifications. */
export interface FinalOrderWatch {
  /** Resolves at the next notification for the order, or at once if one came since the last call. */
  next(): Promise<void>;
  close(): void;
}

/** A notification not yet taken (`notified`), or the promise a waiter is waiting on. */
interface Waiter {
  notified: boolean;
  pending: { promise: Promise<void>; resolve: () => void } | null;
}

export class FinalOrderListener {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Starts listening in the background; until connected (or after a drop), waiters poll. */
  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // Keepalive: a connection cut without a word (a dropped route) is noticed, and listened again.
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      if (!this.closed) {
        this.logger.warn(
          { err: error },
          'final-order notifications lost; waiting requests poll until reconnected',
        );
        this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
      }
      client.end().catch(() => undefined);
    };
    client.on('notification', (message) => {
      for (const orderId of (message.payload ?? '').split(' ')) this.notify(orderId);
    });
    client.on('error', drop);
    client.on('end', () => drop());
    try {
      await client.connect();
      await client.query(`listen ${FINAL_ORDERS_CHANNEL}`);
      if (this.closed) await client.end();
      else this.client = client;
    } catch (error) {
      drop(error);
    }
  }

  private notify(orderId: string): void {
    for (const waiter of this.waiters.get(orderId) ?? []) {
      if (waiter.pending) {
        waiter.pending.resolve();
        waiter.pending = null;
      } else waiter.notified = true;
    }
  }

  /** Watches an order from now on: no notification after this call is missed. */
  watch(orderId: string): FinalOrderWatch {
    const waiter: Waiter = { notified: false, pending: null };
    const set = this.waiters.get(orderId) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(orderId, set);
    return {
      next: () => {
        if (waiter.notified) {
          waiter.notified = false;
          return Promise.resolve();
        }
        if (!waiter.pending) {
          let resolve!: () => void;
          const promise = new Promise<void>((done) => (resolve = done));
          waiter.pending = { promise, resolve };
        }
        return waiter.pending.promise;
      },
      close: () => {
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(orderId);
        waiter.pending?.resolve();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
