import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { HistoryChangeView } from '../../domain/history.js';
import { collectionEtag, DEFAULT_COLLECTION } from '../../domain/inventory.js';
import { isFinal, orderCreateSchema, type PlayerOrderView } from '../../domain/order.js';
import { errorOfResult, PlayFabError, statusText } from '../../domain/playfab/errors.js';
import { parseItemFilter } from '../../domain/playfab/filter.js';
import {
  parseHistoryFilter,
  transactionId,
  transactionsFrom,
  withEntryDetails,
} from '../../domain/playfab/history.js';
import {
  checkBatchLimits,
  continuationKey,
  continuationToken,
  entryOfOperation,
  pageOf,
  playerOfEntity,
  stacksOf,
  transferEntry,
} from '../../domain/playfab/operations.js';
import { requestSchemas, type EntityKey, type InventoryOperation } from '../../domain/playfab/requests.js';
import { MAX_BODY_BYTES, ownShapeErrorHandler, type HttpError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import { collectionIds, collectionRecords } from '../../stores/inventory-store.js';
import { readChanges } from '../../stores/history-store.js';
import { findOrder } from '../../stores/order-store.js';
import type { Caller } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { submitAndWait } from '../compat-write.js';
import { checkSecretKey, identifyEntity, mintTitleToken, type EntityCaller } from './entity-tokens.js';

/**
 * PlayFab's Economy v2 inventory calls under /playfab, in PlayFab's envelopes, on Armory's engine:
 * every write is a transactional Player Order (source SYSTEM for a title token, CLIENT for a
 * player's), answered once final. Every failure here, a bad body or an unknown call included, is a
 * PlayFab error, which PlayFab's SDKs read.
 */

const IF_MATCH = 'x-playfab-economy-if-match';
const IF_NONE_MATCH = 'x-playfab-economy-if-none-match';
/** An OperationToken resolves for a day, as PlayFab's do. */
const OPERATION_TOKEN_MS = 24 * 3600 * 1000;

interface CallInput<B> {
  /** The PlayFab call's name (AddInventoryItems). */
  call: string;
  body: B;
  caller: EntityCaller;
  req: Request;
  res: Response;
}
/** A write: the order it becomes, and the collection whose ETag it checks and answers. */
interface Write {
  player: string;
  entries: Record<string, unknown>[];
  idempotencyId: string | null | undefined;
  etag: string | null | undefined;
  collectionId: string;
}

/** What every write in one collection carries. */
interface CollectionWrite {
  Entity?: EntityKey | null;
  CollectionId?: string | null;
  IdempotencyId?: string | null;
  ETag?: string | null;
}

/** `data` of the answer, and its HTTP status when not 200. */
type CallAnswer = { data: Record<string, unknown>; status?: number } | { notModified: true };

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const details: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const path = issue.path.join('.') || 'body';
    (details[path] ??= []).push(issue.message);
  }
  const first = parsed.error.issues[0]!;
  throw new PlayFabError('InvalidParams', `${first.path.join('.') || 'body'}: ${first.message}`, details);
}

/** The player a call reaches: a title token names one in `Entity`; a player token reaches its own only. */
function targetPlayer(caller: EntityCaller, entity: EntityKey | null | undefined): string {
  if (caller.kind === 'title') {
    if (!entity) throw new PlayFabError('InvalidParams', 'Entity is required with a title entity token');
    return playerOfEntity(entity);
  }
  if (!entity) return caller.playerUuid;
  if (playerOfEntity(entity) !== caller.playerUuid) {
    throw new PlayFabError('NotAuthorized', "a player's entity token reaches its own inventory only");
  }
  return caller.playerUuid;
}

export function createPlayFabRouter(deps: ApiDeps, playerLimit: RequestHandler): Router {
  const { config, orm, catalogCache } = deps;
  const router = Router();
  router.use(express.json({ limit: MAX_BODY_BYTES, type: () => true }));

  /**
   * Runs a write as one transactional order and answers when it is final: the write's data, or the
   * PlayFab error of the entry that failed. Past PLAYFAB_WAIT_SECONDS: 202 with an OperationToken.
   */
  async function write(
    { caller, req, res, call }: Omit<CallInput<unknown>, 'body'>,
    { player, entries, idempotencyId, etag, collectionId }: Write,
  ): Promise<CallAnswer> {
    const expected = req.get(IF_MATCH) ?? etag;
    const create = orderCreateSchema.safeParse({
      player_uuid: player,
      source: caller.kind === 'title' ? 'SYSTEM' : 'CLIENT',
      is_transaction: true,
      client_order_ref_id: idempotencyId,
      // The ETag is the collection's before the write: the first entry checks it.
      entries: entries.map((entry, index) =>
        index === 0 && expected ? { ...entry, collection_etag: expected } : entry,
      ),
    });
    if (!create.success) {
      const issue = create.error.issues[0]!;
      throw new PlayFabError('InvalidParams', `${issue.path.join('.')}: ${issue.message}`);
    }
    const submission = {
      create: create.data,
      scope: 'playfab' as const,
      origin: `playfab:${call}`,
      keyLifetimeMs: config.PLAYFAB_IDEMPOTENCY_DAYS * 24 * 3600 * 1000,
    };
    const outcome = await submitAndWait(deps, res, submission, config.PLAYFAB_WAIT_SECONDS);
    if (outcome.kind === 'conflict') {
      throw new PlayFabError(
        'InvalidParams',
        `IdempotencyId ${idempotencyId} was used for another request; send a new one for a new request`,
      );
    }
    const { order } = outcome;
    const common = { ...(idempotencyId && { IdempotencyId: idempotencyId }) };
    if (!isFinal(order.status)) {
      return {
        status: 202,
        data: {
          ...common,
          OperationStatus: 'InProgress',
          OperationToken: order.order_id,
          TransactionIds: [],
        },
      };
    }
    throwIfFailed(order);
    const transactionIds = order.entries.map((_, index) => transactionId(order.order_id, index));
    // The collection's ETag as this write left it (not as it is now: another write may have followed).
    const writtenEtag = order.collection_etags?.[collectionId];
    return { data: { ...common, ...(writtenEtag && { ETag: writtenEtag }), TransactionIds: transactionIds } };
  }

  const calls: {
    [C in keyof typeof requestSchemas]: (
      input: CallInput<z.output<(typeof requestSchemas)[C]>>,
    ) => Promise<CallAnswer>;
  } = {
    GetEntityToken: async ({ body, req }) => {
      // The secret key, or (to refresh it) a title entity token.
      const entityToken = req.get('x-entitytoken');
      if (!req.get('x-secretkey') && entityToken) {
        const caller = await identifyEntity(config, entityToken);
        if (caller.kind !== 'title')
          throw new PlayFabError('NotAuthorized', 'only a title token is refreshed here');
      } else checkSecretKey(config, req.get('x-secretkey'));
      const { token, expires } = await mintTitleToken(config, new Date());
      return {
        data: {
          Entity: body.Entity ?? { Id: 'armory', Type: 'title', TypeString: 'title' },
          EntityToken: token,
          TokenExpiration: expires.toISOString(),
        },
      };
    },

    AddInventoryItems: async (input) => writeOperations(input, [{ Add: input.body }]),
    SubtractInventoryItems: async (input) => writeOperations(input, [{ Subtract: input.body }]),
    UpdateInventoryItems: async (input) => writeOperations(input, [{ Update: input.body }]),
    DeleteInventoryItems: async (input) => writeOperations(input, [{ Delete: input.body }]),
    PurchaseInventoryItems: async (input) => writeOperations(input, [{ Purchase: input.body }]),
    ExecuteInventoryOperations: async (input) => writeOperations(input, input.body.Operations),

    TransferInventoryItems: async (input) => {
      const { body, caller } = input;
      const giving = targetPlayer(caller, body.GivingEntity);
      const receiving = body.ReceivingEntity ? targetPlayerForTransfer(caller, body.ReceivingEntity) : giving;
      const catalog = await catalogCache.get(orm.em.fork());
      const collectionId = body.GivingCollectionId ?? DEFAULT_COLLECTION;
      const toCollection = body.ReceivingCollectionId ?? collectionId;
      const entry = transferEntry(
        body,
        { catalog, collectionId },
        toCollection,
        receiving === giving ? undefined : receiving,
      );
      const answer = await write(input, {
        player: giving,
        entries: [entry],
        idempotencyId: body.IdempotencyId,
        etag: body.GivingETag,
        collectionId,
      });
      if ('notModified' in answer) return answer;
      const { TransactionIds: ids, ETag: givingEtag, ...rest } = answer.data;
      return {
        ...answer,
        data: {
          ...rest,
          ...(givingEtag !== undefined && { GivingETag: givingEtag }),
          GivingTransactionIds: ids,
          ReceivingTransactionIds: ids,
          OperationStatus: answer.status === 202 ? 'InProgress' : 'Completed',
        },
      };
    },

    DeleteInventoryCollection: async (input) => {
      if ((input.body.CollectionId ?? DEFAULT_COLLECTION) === DEFAULT_COLLECTION) {
        throw new PlayFabError(
          'InventoryCollectionDeletionDisallowed',
          'the default collection cannot be deleted',
        );
      }
      return writeCollection(input, (collectionId) => [
        { type: 'delete_inventory_collection', collection_id: collectionId },
      ]);
    },

    GetInventoryItems: async ({ body, caller, req }) => {
      const player = targetPlayer(caller, body.Entity);
      const em = orm.em.fork();
      const catalog = await catalogCache.get(em);
      const records = await collectionRecords(em, player, body.CollectionId ?? DEFAULT_COLLECTION);
      const etag = collectionEtag(records);
      if (req.get(IF_NONE_MATCH) === etag) return { notModified: true };
      // PlayFab's read-your-write check; here reads are never behind, so only a stale ETag fails it.
      const ifMatch = req.get(IF_MATCH);
      if (ifMatch !== undefined && ifMatch !== etag) {
        throw new PlayFabError('PreconditionFailed', 'the collection has changed since that ETag');
      }
      const matches = body.Filter ? parseItemFilter(body.Filter) : () => true;
      const items = stacksOf(records, catalog, new Date()).filter(matches);
      const after = body.ContinuationToken ? continuationKey(body.ContinuationToken, isOffset) : 0;
      const { page, next } = pageOf(items, body.Count ?? 10, after);
      return {
        data: {
          Items: page,
          ETag: etag,
          ...(next !== null && { ContinuationToken: continuationToken(next) }),
        },
      };
    },

    GetInventoryCollectionIds: async ({ body, caller }) => {
      const player = targetPlayer(caller, body.Entity);
      const ids = await collectionIds(orm.em.fork(), player);
      const after = body.ContinuationToken ? continuationKey(body.ContinuationToken, isOffset) : 0;
      const { page, next } = pageOf(ids, body.Count ?? 10, after);
      return {
        data: { CollectionIds: page, ...(next !== null && { ContinuationToken: continuationToken(next) }) },
      };
    },

    GetTransactionHistory: async ({ body, caller }) => {
      const player = targetPlayer(caller, body.Entity);
      const em = orm.em.fork();
      const catalog = await catalogCache.get(em);
      const collectionId = body.CollectionId ?? DEFAULT_COLLECTION;
      const matches = body.Filter ? parseHistoryFilter(body.Filter) : () => true;
      const descending = body.OrderBy === 'timestamp desc';
      const count = body.Count ?? 10;
      const changes: HistoryChangeView[] = [];
      const orders = new Map<string, PlayerOrderView>();
      // The seq the page starts at, and where the reads stopped when more may follow.
      let from = body.ContinuationToken ? continuationKey(body.ContinuationToken, isOffset) : undefined;
      let exhausted = false;
      for (let reads = 1; reads <= MAX_HISTORY_READS; reads++) {
        const { changes: read, orders: readOrders } = await readChanges(em, {
          playerUuid: player,
          fromSeq: from,
          descending,
          limit: HISTORY_READ,
          collectionId,
        });
        changes.push(...read);
        for (const [orderId, order] of readOrders) orders.set(orderId, order);
        if (read.length < HISTORY_READ) {
          exhausted = true;
          break;
        }
        from = read[read.length - 1]!.seq + (descending ? -1 : 1);
        if (
          transactionsFrom(changes, catalog).filter(({ transaction }) => matches(transaction)).length > count
        )
          break;
      }
      const transactions = transactionsFrom(changes, catalog);
      // The last transaction read may go on past the reads; it is read whole with the next page (unless
      // it is all there is: one entry that changed more records than a page reads is split).
      if (!exhausted && transactions.length > 1) transactions.pop();
      const matching = transactions.filter(({ transaction }) => matches(transaction));
      const page = matching.slice(0, count);
      const last =
        matching.length > count ? page[page.length - 1] : exhausted ? undefined : transactions.at(-1);
      const next = last && last.lastSeq + (descending ? -1 : 1);
      return {
        data: {
          Transactions: page.map(({ orderId, entryIndex, transaction }) => {
            const order = orders.get(orderId)!;
            return withEntryDetails(transaction, order, order.entries[entryIndex]!, catalog);
          }),
          ...(next !== undefined && next > 0 && { ContinuationToken: continuationToken(next) }),
        },
      };
    },

    GetInventoryOperationStatus: async ({ body, caller }) => {
      const player = targetPlayer(caller, body.Entity);
      const order = await findOrder(orm.em.fork(), body.OperationToken);
      const fresh = order && Date.now() - Date.parse(order.created_time) < OPERATION_TOKEN_MS;
      if (!order || order.player_uuid !== player || !fresh) {
        throw new PlayFabError('InvalidParams', 'OperationToken is unknown, or older than a day');
      }
      // An errored order took no effect; ops may retry it, but the operation as asked has failed.
      const failed = isFinal(order.status) || order.status === 'errored';
      const status = order.status === 'succeeded' ? 'Completed' : failed ? 'Failed' : 'InProgress';
      return { data: { OperationStatus: status } };
    },
  };

  /** A transfer's receiving player: a player token may give only to itself, a title token to anyone. */
  function targetPlayerForTransfer(caller: EntityCaller, entity: EntityKey): string {
    return caller.kind === 'title' ? playerOfEntity(entity) : targetPlayer(caller, entity);
  }

  /** A single-operation write (Add, Subtract, Update, Delete, Purchase): one order of one entry. */
  /** A write in one collection of the body's `Entity`: one order of the entries `entriesOf` makes. */
  async function writeCollection(
    input: CallInput<CollectionWrite>,
    entriesOf: (collectionId: string) => Record<string, unknown>[],
  ): Promise<CallAnswer> {
    const { body, caller } = input;
    const player = targetPlayer(caller, body.Entity);
    const collectionId = body.CollectionId ?? DEFAULT_COLLECTION;
    const entries = entriesOf(collectionId);
    return write(input, {
      player,
      entries,
      idempotencyId: body.IdempotencyId,
      etag: body.ETag,
      collectionId,
    });
  }

  /** PlayFab operations (one, or a batch within its limits) as one order of their entries. */
  async function writeOperations(
    input: CallInput<CollectionWrite>,
    operations: InventoryOperation[],
  ): Promise<CallAnswer> {
    const catalog = await catalogCache.get(orm.em.fork());
    checkBatchLimits(operations, catalog);
    return writeCollection(input, (collectionId) =>
      operations.map((operation) => entryOfOperation(operation, { catalog, collectionId })),
    );
  }

  for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
    const path = name === 'GetEntityToken' ? '/Authentication/GetEntityToken' : `/Inventory/${name}`;
    const identify: RequestHandler = async (req, res, next) => {
      const caller =
        name === 'GetEntityToken' ? TITLE : await identifyEntity(config, req.get('x-entitytoken'));
      res.locals.entityCaller = caller;
      // A player's calls count toward the one limit on player clients; a title's do not.
      if (caller.kind === 'player') {
        res.locals.caller = { role: 'player', playerUuid: caller.playerUuid } satisfies Caller;
        await playerLimit(req, res, next);
      } else next();
    };
    router.post(path, identify, async (req, res) => {
      const caller = res.locals.entityCaller as EntityCaller;
      const body = parseBody(requestSchemas[name], req.body);
      const handler = calls[name] as (input: CallInput<unknown>) => Promise<CallAnswer>;
      const answer = await handler({ call: name, body, caller, req, res });
      if ('notModified' in answer) {
        res.status(304).end();
        return;
      }
      const status = answer.status ?? 200;
      res.status(status).json({ code: status, status: statusText(status), data: answer.data });
    });
  }
  router.use((req) => {
    throw new PlayFabError(
      'InventoryApiNotImplemented',
      `Armory does not serve ${req.method} /playfab${req.path}`,
    );
  });
  router.use(playFabErrorHandler(deps.logger));
  return router;
}

const TITLE: EntityCaller = { kind: 'title' };
const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** Changes read at a time while a history page fills, and at most how many reads one page makes. */
const HISTORY_READ = 200;
const MAX_HISTORY_READS = 5;

/** A failed order answers the PlayFab error of its entry that failed. */
function throwIfFailed(order: PlayerOrderView): void {
  if (order.status === 'succeeded') return;
  const index = order.entries.findIndex((entry) => entry.result !== 'success' && entry.result !== 'rollback');
  const entry = order.entries[index]!;
  throw new PlayFabError(
    errorOfResult(entry.result),
    order.entries.length > 1 ? `operation ${index}: ${entry.result}` : entry.result,
    { OrderId: [order.order_id], Result: [entry.result] },
  );
}

/** Every failure under /playfab in PlayFab's error envelope; never a stack trace. */
const playFabErrorHandler = (logger: Logger) =>
  ownShapeErrorHandler(
    logger,
    (error): error is PlayFabError => error instanceof PlayFabError,
    playFabErrorOf,
    (failure, _req, res) => res.status(failure.status).json(failure.body()),
  );

function playFabErrorOf(answer: HttpError): PlayFabError {
  if (answer.status === 429) return new PlayFabError('APIClientRequestRateLimitExceeded', answer.message);
  if (answer.status === 503) return new PlayFabError('ServiceUnavailable', answer.message);
  if (answer.status === 413) return new PlayFabError('InvalidParams', 'the request body is over 1 MiB');
  if (answer.status < 500)
    return new PlayFabError('InvalidParams', 'the request body could not be read as JSON');
  return new PlayFabError('InternalServerError', 'internal error');
}
