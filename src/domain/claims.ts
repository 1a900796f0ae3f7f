import type { Catalog } from './catalog.js';

/**
 * What a batch knows beyond the inventory: promotion uses (shared by every player), this player's
 * claims and recent failed codes, transient-single fills and fulfilled platform transactions. Like
 * the inventory it is held in memory and checkpointed, so a failed entry or transaction gives back
 * what it took (a promotion use, an entitlement).
 */
export interface ClaimsState {
  /** Promotion code → uses so far, across all players. */
  promotionUses: Map<string, number>;
  /** Promotion code → this player's claims. */
  claims: Map<string, number>;
  /** `loot_id|match_id` of this player's transient-single fills. */
  transientFills: Set<string>;
  /** `bucket|external_tran_id` of fulfilled platform transactions. */
  fulfilled: Set<string>;
}

export interface ClaimsChanges {
  promotionUses: Map<string, number>;
  claims: Map<string, number>;
  transientFills: { lootId: number; matchId: string }[];
  fulfilled: { bucket: string; externalTranId: string }[];
  failedCodes: string[];
}

export const transientFillKey = (lootId: number, matchId: string | null) => `${lootId}|${matchId ?? ''}`;
export const fulfilledKey = (bucket: string, externalTranId: string) => `${bucket}|${externalTranId}`;

function copy(state: ClaimsState): ClaimsState {
  return {
    promotionUses: new Map(state.promotionUses),
    claims: new Map(state.claims),
    transientFills: new Set(state.transientFills),
    fulfilled: new Set(state.fulfilled),
  };
}

export class PlayerClaims {
  private state: ClaimsState;
  private readonly initial: ClaimsState;
  /** Failed promotion codes are counted whatever happens to the order: they are attempts. */
  private readonly failedCodes: string[] = [];

  constructor(
    initial: ClaimsState,
    private readonly recentFailedCodes: number,
  ) {
    this.initial = copy(initial);
    this.state = copy(initial);
  }

  static empty(): PlayerClaims {
    return new PlayerClaims(
      { promotionUses: new Map(), claims: new Map(), transientFills: new Set(), fulfilled: new Set() },
      0,
    );
  }

  checkpoint(): ClaimsState {
    return copy(this.state);
  }

  restore(checkpoint: ClaimsState): void {
    this.state = copy(checkpoint);
  }

  promotionUses(code: string): number {
    return this.state.promotionUses.get(code) ?? 0;
  }

  claimsOf(code: string): number {
    return this.state.claims.get(code) ?? 0;
  }

  claim(code: string): void {
    this.state.promotionUses.set(code, this.promotionUses(code) + 1);
    this.state.claims.set(code, this.claimsOf(code) + 1);
  }

  failedCodesInWindow(): number {
    return this.recentFailedCodes + this.failedCodes.length;
  }

  recordFailedCode(code: string): void {
    this.failedCodes.push(code);
  }

  hasTransientFill(lootId: number, matchId: string | null): boolean {
    return this.state.transientFills.has(transientFillKey(lootId, matchId));
  }

  recordTransientFill(lootId: number, matchId: string | null): void {
    this.state.transientFills.add(transientFillKey(lootId, matchId));
  }

  isFulfilled(bucket: string, externalTranId: string): boolean {
    return this.state.fulfilled.has(fulfilledKey(bucket, externalTranId));
  }

  recordFulfilled(bucket: string, externalTranId: string): void {
    this.state.fulfilled.add(fulfilledKey(bucket, externalTranId));
  }

  /** What to write back: only what changed since the batch loaded. */
  changes(): ClaimsChanges | null {
    const changedCounts = (now: Map<string, number>, before: Map<string, number>) =>
      new Map([...now].filter(([key, value]) => before.get(key) !== value));
    const added = (now: Set<string>, before: Set<string>) => [...now].filter((key) => !before.has(key));
    const changes: ClaimsChanges = {
      promotionUses: changedCounts(this.state.promotionUses, this.initial.promotionUses),
      claims: changedCounts(this.state.claims, this.initial.claims),
      transientFills: added(this.state.transientFills, this.initial.transientFills).map((key) => {
        const [lootId, matchId] = key.split('|');
        return { lootId: Number(lootId), matchId: matchId ?? '' };
      }),
      fulfilled: added(this.state.fulfilled, this.initial.fulfilled).map((key) => {
        const separator = key.indexOf('|');
        return { bucket: key.slice(0, separator), externalTranId: key.slice(separator + 1) };
      }),
      failedCodes: this.failedCodes,
    };
    const empty =
      changes.promotionUses.size === 0 &&
      changes.claims.size === 0 &&
      changes.transientFills.length === 0 &&
      changes.fulfilled.length === 0 &&
      changes.failedCodes.length === 0;
    return empty ? null : changes;
  }
}

/** What one player of a group brings to its claims: their own claims, fills and recent failed codes. */
export interface OwnClaimsState {
  claims: Map<string, number>;
  transientFills: Set<string>;
  recentFailedCodes: number;
}

/** What a group writes back: each player's changes, in the order their orders were applied. */
export type GroupClaimsChanges = { playerUuid: string; changes: ClaimsChanges }[];

/**
 * The claims of several players whose orders are applied one player after another in one
 * transaction. What every player shares (promotion uses, fulfilled platform transactions) carries
 * from each player to the next, so that two players of one group see each other's claims exactly as
 * two transactions in a row would: the last use of a promotion goes to one of them only.
 */
export class GroupClaims {
  private shared: Pick<ClaimsState, 'promotionUses' | 'fulfilled'>;
  private readonly loadedUses: Map<string, number>;
  private readonly settled: GroupClaimsChanges = [];

  constructor(
    shared: Pick<ClaimsState, 'promotionUses' | 'fulfilled'>,
    private readonly own: Map<string, OwnClaimsState>,
  ) {
    this.shared = shared;
    this.loadedUses = new Map(shared.promotionUses);
  }

  static empty(): GroupClaims {
    return new GroupClaims({ promotionUses: new Map(), fulfilled: new Set() }, new Map());
  }

  /** The claims a player's orders start from: their own, and what the players before them left. */
  forPlayer(playerUuid: string): PlayerClaims {
    const own = this.own.get(playerUuid);
    return new PlayerClaims(
      {
        ...this.shared,
        claims: own?.claims ?? new Map<string, number>(),
        transientFills: own?.transientFills ?? new Set<string>(),
      },
      own?.recentFailedCodes ?? 0,
    );
  }

  /** Takes in what a player's orders did, for the players after them and for the write-back. */
  settle(playerUuid: string, claims: PlayerClaims): void {
    const { promotionUses, fulfilled } = claims.checkpoint();
    this.shared = { promotionUses, fulfilled };
    const changes = claims.changes();
    if (changes) this.settled.push({ playerUuid, changes });
  }

  /** Each player's changes but promotion uses, which are counted for the whole group (promotionUsesAdded). */
  changes(): GroupClaimsChanges {
    return this.settled;
  }

  /** The uses each promotion gained in this group, to add to its stored count. */
  promotionUsesAdded(): Map<string, number> {
    return new Map(
      [...this.shared.promotionUses]
        .map(([code, uses]): [string, number] => [code, uses - (this.loadedUses.get(code) ?? 0)])
        .filter(([, added]) => added !== 0),
    );
  }
}

/**
 * The promotions whose stored uses, once a group added its own, pass their `max_uses`. A group reads
 * the counts without locking them, so another group may have raised one since: the group must then
 * run again with the counts locked, for its answers to hold.
 */
export function promotionsPastMaxUses(catalog: Catalog, usesNow: Map<string, number>): string[] {
  return [...usesNow]
    .filter(([code, uses]) => {
      const maxUses = catalog.promotions.get(code)?.max_uses ?? null;
      return maxUses !== null && uses > maxUses;
    })
    .map(([code]) => code);
}
