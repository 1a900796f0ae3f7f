import { createHmac, timingSafeEqual } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Request } from 'express';
import getRawBody from 'raw-body';
import { z } from 'zod';
import type { Config } from '../../config.js';
import {
  orderCreateSchema,
  PLATFORM_NAMES,
  playerOrderSchema,
  type PlatformName,
} from '../../domain/order.js';
import { chosenOrderId, namespacedOrderId, text, uuid } from '../../domain/schema-types.js';
import { BUCKETS, type Bucket, type Source } from '../../domain/vocabulary.js';
import { HttpError, httpErrors, MAX_BODY_BYTES } from '../../http/errors.js';
import { parse } from '../../http/validation.js';
import { findOrderForRequest } from '../../stores/order-store.js';
import { findFulfillingOrder, revokeTransaction } from '../../stores/refunds-store.js';
import { acceptRefund } from '../refunds.js';
import { whyNotRefundable } from '../../domain/refunds.js';
import { apiRoute } from '../deps.js';
import { preferredWait } from '../prefer-wait.js';
import { acceptedResponses, sendOrder, submitOrder } from '../submit-order.js';

/** A signed request whose timestamp is further than this from now, either way, is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'X-Armory-Signature';

interface Platform {
  source: Source;
  bucket: Bucket;
  secret: (config: Config) => string;
}

export const PLATFORMS: Record<PlatformName, Platform> = {
  steam: { source: 'STEAM', bucket: 'steam', secret: (config) => config.WEBHOOK_SECRET_STEAM },
  psn: { source: 'PSN', bucket: 'psn', secret: (config) => config.WEBHOOK_SECRET_PSN },
  xbox: { source: 'XBOX', bucket: 'xbox_live', secret: (config) => config.WEBHOOK_SECRET_XBOX },
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A platform's PlayerOrderCreate: `order_id` (the platform's event id) is required, and the source
 * and every entry's bucket are the platform's, whatever was sent. They are set before validation, so
 * a value the platform sent there cannot make the order a 422 either.
 */
export function platformOrderSchema({ source, bucket }: Platform) {
  const force = (value: unknown): unknown => {
    if (!isPlainObject(value)) return value;
    const entries = Array.isArray(value.entries)
      ? value.entries.map((entry: unknown) =>
          isPlainObject(entry) ? { ...entry, use_inventory_bucket: bucket } : entry,
        )
      : value.entries;
    return { ...value, source, entries };
  };
  return z.preprocess(force, orderCreateSchema.safeExtend({ order_id: chosenOrderId }));
}

/** `t=<unix seconds>,v1=<64 hex digits>`, in either order, spaces around parts allowed; else null. */
function parseSignatureHeader(header: string): { timestamp: string; signature: Buffer } | null {
  const fields = new Map<string, string>();
  for (const part of header.split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) return null;
    const key = part.slice(0, equals).trim();
    if (fields.has(key)) return null;
    fields.set(key, part.slice(equals + 1).trim());
  }
  const timestamp = fields.get('t');
  const signature = fields.get('v1');
  if (fields.size !== 2 || timestamp === undefined || signature === undefined) return null;
  if (!/^\d{1,12}$/.test(timestamp) || !/^[0-9a-f]{64}$/i.test(signature)) return null;
  return { timestamp, signature: Buffer.from(signature, 'hex') };
}

/**
 * Checks `X-Armory-Signature` against HMAC-SHA256(secret, t + "." + raw body); throws a 401 unless
 * the signature is the platform's and its timestamp within the tolerance of now.
 */
export function verifySignature(header: string | undefined, rawBody: Buffer, secret: string, nowMs: number) {
  if (!header) throw httpErrors.unauthorized(`the ${SIGNATURE_HEADER} header is required`);
  const parsed = parseSignatureHeader(header);
  if (!parsed)
    throw httpErrors.unauthorized(
      `the ${SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex HMAC-SHA256>`,
    );
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(parsed.timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    throw httpErrors.unauthorized(
      `the signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`,
    );
  }
  const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`).update(rawBody).digest();
  if (parsed.signature.length !== expected.length || !timingSafeEqual(parsed.signature, expected)) {
    throw httpErrors.unauthorized('the signature does not match');
  }
}

const DECOMPRESS: Record<string, (compressed: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * The body as its platform sent it (the bytes the signature covers, compressed or not), up to 1 MiB;
 * over that is a 413 (raw-body's `entity.too.large`, answered in src/http/errors.ts).
 */
function readSentBytes(req: Request): Promise<Buffer> {
  return getRawBody(req, { limit: MAX_BODY_BYTES });
}

/** The body's JSON text, decompressed only after its signature was checked; at most 1 MiB of it. */
function decodeBody(sent: Buffer, contentEncoding: string | undefined): string {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return sent.toString('utf8');
  const decompress = Object.hasOwn(DECOMPRESS, encoding) ? DECOMPRESS[encoding] : undefined;
  if (!decompress) {
    throw httpErrors.unsupportedMediaType(`content encoding ${encoding} is not supported`);
  }
  try {
    return decompress(sent, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw httpErrors.payloadTooLarge('request body is over 1 MiB once decompressed');
    }
    throw httpErrors.badRequest(`the body is not valid ${encoding}`);
  }
}

/** The JSON body of a request the platform signed, in req.body; throws a 401 unless signed by it. */
async function readSignedBody(req: Request, platform: Platform, config: Config): Promise<void> {
  const sent = await readSentBytes(req);
  verifySignature(req.get(SIGNATURE_HEADER), sent, platform.secret(config), Date.now());
  try {
    req.body = JSON.parse(decodeBody(sent, req.get('content-encoding'))) as unknown;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw httpErrors.malformedBody();
  }
}

/** A platform's refund of one of its transactions (unknown fields are ignored, as in an order). */
const refundEventSchema = z.looseObject({
  player_uuid: uuid.describe('The player the platform sold it to'),
  external_tran_id: text(1, 256).describe('The platform transaction refunded, as fill_entitled_loot sent it'),
});

const refundAnswerSchema = z.object({
  bucket: z.enum(BUCKETS),
  external_tran_id: z.string(),
  revoked: z.literal(true),
  refund: playerOrderSchema
    .nullable()
    .describe('The refund of the order that fulfilled the transaction; null when none had'),
});

const platformParams = z.object({
  platform: z.enum(PLATFORM_NAMES).describe('The platform whose secret signs the request'),
});

const schemas = Object.fromEntries(
  PLATFORM_NAMES.map((name) => [name, platformOrderSchema(PLATFORMS[name])]),
) as Record<PlatformName, ReturnType<typeof platformOrderSchema>>;

/**
 * `POST /v1/webhooks/{steam|psn|xbox}`: signed orders from platforms, on the same accept path as
 * /v1/orders. The event id is stored in the platform's namespace (`steam:evt-1001`).
 */
export const webhookRoutes = [
  apiRoute({
    method: 'post',
    path: '/v1/webhooks/{platform}',
    tag: 'webhooks',
    summary: 'A signed order from a platform',
    description:
      `\`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>\`, ` +
      'within 300 s of now. `order_id` (the platform event id) is required; the source and every ' +
      "entry's bucket are the platform's. The event id is stored as `<platform>:<event id>`. A body may be " +
      'gzip-, deflate- or br-compressed: the signature covers the bytes as sent. An unknown platform is a 404.',
    credentials: ['webhook'],
    params: platformParams,
    unknownParamsNotFound: true,
    // The signature covers the bytes as sent: the handler reads them itself and checks them before
    // decompressing or parsing anything. Every platform's body has the same shape; steam's documents it.
    rawBody: true,
    body: schemas.steam,
    preferWait: true,
    errors: [404, 409, 503],
    responses: acceptedResponses,
    handle: async ({ params: { platform: name }, req, res, deps }) => {
      await readSignedBody(req, PLATFORMS[name], deps.config);
      const event = parse(schemas[name], req, 'body');
      // An event accepted before event ids had namespaces is stored under its bare id: the platform
      // sending it again is a replay of that order, never a second one.
      const earlier = await findOrderForRequest(deps.orm.em.fork(), event.order_id, event);
      if (earlier) {
        await sendOrder(deps, res, earlier, preferredWait(req), true);
        return;
      }
      await submitOrder(
        deps,
        req,
        res,
        { ...event, order_id: namespacedOrderId(name, event.order_id) },
        name,
      );
    },
  }),
  apiRoute({
    method: 'post',
    path: '/v1/webhooks/{platform}/refunds',
    tag: 'webhooks',
    summary: "A signed refund of a platform's transaction",
    description:
      "Signed as an order is. Revokes the transaction in the platform's bucket, so that it can never be " +
      'fulfilled (again), and refunds the order that fulfilled it, if one had (as ' +
      '`POST /v1/orders/{order_id}/refund`, at most once). Redelivery answers the same.',
    credentials: ['webhook'],
    params: platformParams,
    unknownParamsNotFound: true,
    rawBody: true,
    body: refundEventSchema,
    errors: [404, 503],
    responses: {
      200: { description: 'Revoked; the refund, if an order had fulfilled it.', schema: refundAnswerSchema },
    },
    handle: async ({ params: { platform: name }, req, res, deps }) => {
      const platform = PLATFORMS[name];
      await readSignedBody(req, platform, deps.config);
      const event = parse(refundEventSchema, req, 'body');
      const transaction = { bucket: platform.bucket, externalTranId: event.external_tran_id };
      const em = deps.orm.em.fork();
      const { playerUuid } = await revokeTransaction(em, transaction, event.player_uuid);
      const original = await findFulfillingOrder(em, playerUuid, transaction);
      // A refund already made (a redelivery, or ops refunded the order first) is a replay of it.
      const refund =
        original && whyNotRefundable(original) === null ? (await acceptRefund(deps, original)).refund : null;
      res.json({ bucket: platform.bucket, external_tran_id: event.external_tran_id, revoked: true, refund });
    },
  }),
];
