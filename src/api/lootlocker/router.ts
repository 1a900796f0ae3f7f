import { randomUUID } from 'node:crypto';
import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_COLLECTION } from '../../domain/inventory.js';
import { errorOfResult, LootLockerError } from '../../domain/lootlocker/errors.js';
import {
  addAssetSchema,
  alterInventorySchema,
  assetOf,
  grantEntry,
  instanceOf,
  isInstance,
  itemOrNotFound,
  playerOfLootLockerId,
  removeEntry,
} from '../../domain/lootlocker/inventory.js';
import {
  balanceChangeSchema,
  balanceEntry,
  balancesOf,
  createWalletSchema,
  currenciesOf,
  currencyOf,
  currencyView,
} from '../../domain/lootlocker/balances.js';
import { isFinal, orderCreateSchema, type PlayerOrderView } from '../../domain/order.js';
import { uuid } from '../../domain/schema-types.js';
import { MAX_BODY_BYTES, ownShapeErrorHandler, type HttpError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import { collectionRecords } from '../../stores/inventory-store.js';
import { checkSession, createSession } from '../../stores/lootlocker-sessions.js';
import { findWallet, walletOfHolder, type Wallet } from '../../stores/lootlocker-wallets.js';
import { secretsEqual } from '../auth.js';
import { submitAndWait } from '../compat-write.js';
import type { ApiDeps } from '../deps.js';

/**
 * LootLocker's server API under /lootlocker, on Armory's engine: every write is a transactional
 * Player Order (source SYSTEM), answered once final. Every failure here, a bad body or an unknown
 * route included, is LootLocker's error body.
 */

/** A session lives an hour from its creation or its last ping (LootLocker: ping at least hourly). */
export const SESSION_SECONDS = 3600;
/** How long a write waits for its order to be final (LootLocker's calls have no asynchronous answer). */
const WRITE_WAIT_SECONDS = 30;

const playerParams = z.object({ player_id: z.string() });
const listQuery = z.object({
  count: z.coerce.number().int().min(1).max(200).default(50),
  after: z.coerce.number().int().min(0).optional(),
});

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [where, ...issue.path].join('.');
  throw new LootLockerError('bad_request', `${path}: ${issue.message}`);
}

export function createLootLockerRouter(deps: ApiDeps): Router {
  const { config, orm, catalogCache } = deps;
  const router = Router();
  router.use(express.json({ limit: MAX_BODY_BYTES, type: () => true }));

  router.post('/server/session', async (req, res) => {
    const key = req.get('x-server-key');
    if (!key || !secretsEqual(key, config.SERVER_API_KEY)) {
      throw new LootLockerError('unauthorized', 'x-server-key is missing or not valid');
    }
    res.json({ token: await createSession(orm.em.fork(), SESSION_SECONDS) });
  });

  router.get('/server/ping', requireSession(deps, true), (_req, res) => {
    res.json({ pong: new Date().toISOString() });
  });

  router.use('/server', requireSession(deps, false));

  router.get('/server/player/:player_id/inventory', async (req, res) => {
    const player = playerOfLootLockerId(parse(playerParams, req.params, 'path').player_id);
    const { count, after } = parse(listQuery, req.query, 'query');
    const em = orm.em.fork();
    const catalog = await catalogCache.get(em);
    const now = Date.now();
    const instances = (await collectionRecords(em, player, DEFAULT_COLLECTION)).filter(
      (record) => isInstance(record) && (record.expires === null || Date.parse(record.expires) > now),
    );
    const page = instances
      .filter((record) => (record.legacy_inventory_id ?? 0) > (after ?? 0))
      .slice(0, count);
    res.json({ total: instances.length, items: page.map((record) => instanceOf(record, catalog)) });
  });

  router.post('/server/player/:player_id/inventory', async (req, res) => {
    const player = playerOfLootLockerId(parse(playerParams, req.params, 'path').player_id);
    const { asset_id: assetId } = parse(addAssetSchema, req.body, 'body');
    const catalog = await catalogCache.get(orm.em.fork());
    itemOrNotFound(catalog, assetId);
    const order = await write(res, player, [grantEntry(assetId)], 'AddAssetToPlayerInventory');
    const created = createdRecords(order);
    res.json({
      items: created.map((record) => ({
        ...instanceOf(record, catalog),
        mounted_at: null,
        rental: null,
      })),
    });
  });

  router.patch('/server/player/:player_id/inventory', async (req, res) => {
    const player = playerOfLootLockerId(parse(playerParams, req.params, 'path').player_id);
    const body = parse(alterInventorySchema, req.body, 'body');
    const catalog = await catalogCache.get(orm.em.fork());
    const added = body.add.map((spec) => itemOrNotFound(catalog, spec.asset_id));
    const entries = [
      ...body.add.map((spec) => grantEntry(spec.asset_id)),
      ...body.remove.map((instanceId) => removeEntry(instanceId)),
    ];
    await write(res, player, entries, 'AlterPlayerInventory');
    res.json({ added: added.map(assetOf), removed: body.remove });
  });

  router.post('/server/wallet', async (req, res) => {
    const body = parse(createWalletSchema, req.body, 'body');
    const wallet = await walletOfHolder(orm.em.fork(), holderOf(body.holder_id, body.holder_type));
    res.json({ wallet_id: wallet.walletId });
  });

  router.get('/server/wallet/holder/:holder_id', async (req, res) => {
    const holderId = parse(holderParams, req.params, 'path').holder_id;
    res.json(walletView(await walletOfHolder(orm.em.fork(), holderOf(holderId, 'player'))));
  });

  router.get('/server/wallet/:wallet_id', async (req, res) => {
    res.json(walletView(await walletOrNotFound(parse(walletParams, req.params, 'path').wallet_id)));
  });

  router.get('/server/balances/wallet/:wallet_id', async (req, res) => {
    const wallet = await walletOrNotFound(parse(walletParams, req.params, 'path').wallet_id);
    const em = orm.em.fork();
    const catalog = await catalogCache.get(em);
    const balances = balancesOf(
      await collectionRecords(em, wallet.playerUuid, DEFAULT_COLLECTION),
      catalog,
      new Date(),
    );
    res.json({
      balances: [...balances].map(([itemId, amount]) => ({
        amount,
        currency: currencyView(catalog.items.get(itemId)!),
        ...balanceOwner(wallet),
      })),
    });
  });

  for (const direction of ['credit', 'debit'] as const) {
    router.post(`/server/balances/${direction}`, async (req, res) => {
      const body = parse(balanceChangeSchema, req.body, 'body');
      const wallet = await walletOrNotFound(body.wallet_id);
      const catalog = await catalogCache.get(orm.em.fork());
      const currency = currencyOf(catalog, body.currency_id);
      const call = direction === 'credit' ? 'CreditBalance' : 'DebitBalance';
      await write(res, wallet.playerUuid, [balanceEntry(direction, currency.id, body.amount)], call);
      const em = orm.em.fork();
      const balances = balancesOf(
        await collectionRecords(em, wallet.playerUuid, DEFAULT_COLLECTION),
        catalog,
        new Date(),
      );
      res.json({
        balance: {
          amount: balances.get(currency.id) ?? '0',
          currency_id: String(currency.id),
          ...balanceOwner(wallet),
        },
      });
    });
  }

  router.get('/server/currencies', async (_req, res) => {
    const catalog = await catalogCache.get(orm.em.fork());
    res.json({ currencies: currenciesOf(catalog).map(currencyView) });
  });

  router.use((req) => {
    throw new LootLockerError('not_found', `no route ${req.method} /lootlocker${req.path}`);
  });
  router.use(lootLockerErrorHandler(deps.logger));
  return router;

  async function walletOrNotFound(walletId: string): Promise<Wallet> {
    const wallet = await findWallet(orm.em.fork(), walletId);
    if (!wallet) throw new LootLockerError('not_found', `no wallet ${walletId}`);
    return wallet;
  }

  /** A write as one transactional order, answered once final; its failure as LootLocker's error. */
  async function write(
    res: Response,
    player: string,
    entries: Record<string, unknown>[],
    call: string,
  ): Promise<PlayerOrderView> {
    const create = orderCreateSchema.safeParse({
      player_uuid: player,
      source: 'SYSTEM',
      is_transaction: true,
      entries,
    });
    if (!create.success) throw new LootLockerError('bad_request', create.error.issues[0]!.message);
    const outcome = await submitAndWait(
      deps,
      res,
      { create: create.data, scope: 'server', origin: `lootlocker:${call}` },
      WRITE_WAIT_SECONDS,
    );
    // No idempotency key is sent, so no submission can conflict with another.
    if (outcome.kind === 'conflict')
      throw new LootLockerError('internal_server_error', 'unexpected conflict');
    const { order } = outcome;
    if (!isFinal(order.status)) {
      res.set('Retry-After', '5');
      throw new LootLockerError(
        'service_unavailable',
        `order ${order.order_id} is accepted and will apply once; it was not final within ${WRITE_WAIT_SECONDS} s: read the inventory before sending it again`,
      );
    }
    if (order.status !== 'succeeded') {
      const failed = order.entries.find(
        (entry) => entry.result !== 'success' && entry.result !== 'rollback',
      )!;
      throw new LootLockerError(errorOfResult(failed.result), `${failed.result} (order ${order.order_id})`);
    }
    return order;
  }
}

const holderParams = z.object({ holder_id: z.string().max(64) });
const walletParams = z.object({ wallet_id: uuid });

/** A wallet's holder: a player, or a character (its own inventory, a player of its own here). */
const holderOf = (holderId: string, holderType: string) => ({
  holderId,
  holderType,
  playerUuid: playerOfLootLockerId(holderId),
});

function walletView(wallet: Wallet) {
  return { id: wallet.walletId, holder_id: wallet.holderId, type: wallet.holderType, modifiers: null };
}

const balanceOwner = (wallet: Wallet) => ({
  wallet_id: wallet.walletId,
  created_at: wallet.createdAt,
  holder_type: wallet.holderType,
  holder_id: wallet.holderId,
});

/** The records an order created, as they were made. */
function createdRecords(order: PlayerOrderView) {
  return order.entries.flatMap((entry) =>
    entry.details.flatMap((detail) =>
      detail.inv_change && detail.inv_change.before === null && detail.inv_change.after
        ? [detail.inv_change.after]
        : [],
    ),
  );
}

/** `x-auth-token` must be a live session; `extend` (ping) makes it live an hour from now. */
function requireSession(deps: Pick<ApiDeps, 'orm'>, extend: boolean): RequestHandler {
  return async (req, _res, next) => {
    const token = req.get('x-auth-token');
    if (!token) throw new LootLockerError('unauthorized', 'x-auth-token is required; start a session first');
    const live = await checkSession(
      deps.orm.em.fork(),
      token,
      extend ? { ttlSeconds: SESSION_SECONDS } : null,
    );
    if (!live) throw new LootLockerError('unauthorized', 'the session token is not valid or has expired');
    next();
  };
}

/** Every failure under /lootlocker in LootLocker's error body; never a stack trace. */
const lootLockerErrorHandler = (logger: Logger) =>
  ownShapeErrorHandler(
    logger,
    (error): error is LootLockerError => error instanceof LootLockerError,
    lootLockerErrorOf,
    (failure, req, res) => {
      // LootLocker's clients send LL-Request-Id; it names the request in the answer too.
      const requestId = (req.get('ll-request-id') ?? '').slice(0, 128) || randomUUID();
      res.status(failure.status).json(failure.body(requestId));
    },
  );

function lootLockerErrorOf(answer: HttpError): LootLockerError {
  if (answer.status === 429) return new LootLockerError('too_many_requests', answer.message);
  if (answer.status === 503) return new LootLockerError('service_unavailable', answer.message);
  if (answer.status === 413)
    return new LootLockerError('payload_too_large', 'the request body is over 1 MiB');
  if (answer.status < 500)
    return new LootLockerError('bad_request', 'the request body could not be read as JSON');
  return new LootLockerError('internal_server_error', 'internal error');
}
