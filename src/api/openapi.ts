import { z } from 'zod';
import { catalogUpdateSchema, itemSchema, lootSchema, promotionSchema } from '../domain/catalog.js';
import { orderCreateSchema } from '../domain/order.js';
import { PLATFORM_NAMES } from '../stores/order-store.js';
import {
  BUCKETS,
  DETAIL_TYPES,
  INVENTORY_TYPES,
  ORDER_STATUSES,
  RESULT_CODES,
} from '../domain/vocabulary.js';
import { JOB_STATES, ORDER_QUEUE } from '../queue/order-queue.js';
import { adminOrderParams, bulkRetryQuery } from './routes/admin-orders.js';
import { DASHBOARD_CHALLENGE, QUEUE_DASHBOARD_PATH } from './routes/admin-queue.js';
import { modifyManySchema, orderParams as meOrderParams, playerOrderCreateSchema } from './routes/me.js';
import { orderParams } from './routes/orders.js';
import { inventoryQuery, ordersQuery, playerParams } from './routes/players.js';
import { PLATFORMS, platformOrderSchema, SIGNATURE_HEADER } from './routes/webhooks.js';

/**
 * The one description of every route the app serves, and the OpenAPI 3.1 document built from it.
 * Request schemas are the zod schemas the routes validate with, converted by `z.toJSONSchema`, so
 * the document cannot drift from the validation. Response schemas are described here (the handlers
 * answer with domain types, not zod schemas). test/ops/openapi-and-queue.test.ts checks this table
 * against the routes Express actually serves, both ways.
 */

type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'put';

/** Who may call a route; each maps to a security scheme of the document. */
type Credential = 'admin' | 'server' | 'player' | 'webhook' | 'adminBasic';

interface ResponseDoc {
  description: string;
  /** A JSON body; a schema registered in COMPONENTS is written as a `$ref`. */
  schema?: z.ZodType;
  /** A body that is not JSON (HTML, Prometheus text). */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  method: Method;
  /** OpenAPI form: `/v1/orders/{order_id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Empty: no credential needed. */
  credentials: Credential[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body schema as converted, when it needs a change JSON Schema cannot take from zod. */
  bodyJsonSchema?: () => JsonSchema;
  preferWait?: boolean;
  /** The error statuses this route can answer; each is a shared response of the document. */
  errors: ErrorStatus[];
  responses: Record<number, ResponseDoc>;
}

// --- Response shapes ---------------------------------------------------------------------------------

/** Every error other than validation and authentication. */
const errorBody = z.object({ error_code: z.string(), desc: z.string() });
/** A refused credential: `auth_success` is false on 401, true on 403. */
const authErrorBody = z.object({ auth_success: z.boolean(), error_code: z.string(), desc: z.string() });
/** A validation failure: one item per problem. */
const validationErrorBody = z.object({
  detail: z.array(
    z.object({ loc: z.array(z.union([z.string(), z.number().int()])), msg: z.string(), type: z.string() }),
  ),
});

const inventoryRecord = z.looseObject({
  inventory_id: z.string(),
  type: z.enum(INVENTORY_TYPES),
  legacy_inventory_id: z.number().int().nullable(),
  bucket: z.enum(BUCKETS).nullable(),
  count: z.number().int(),
  acquired: z.string(),
  expires: z.string().nullable(),
  custom_data: z.record(z.string(), z.string()),
  item_id: z.number().int(),
});

const detail = z.looseObject({
  type: z.enum(DETAIL_TYPES),
  loot_id: z.number().int().nullable(),
  inv_change: z
    .object({
      before_item_id: z.number().int().nullable(),
      after_item_id: z.number().int().nullable(),
      before: inventoryRecord.nullable(),
      after: inventoryRecord.nullable(),
    })
    .optional(),
  code: z.string().optional(),
});

/** The Player Order as stored: the request with every id filled in, plus status and results. */
const playerOrder = z.looseObject({
  order_id: z.string(),
  player_uuid: z.string(),
  source: z.string().nullable(),
  client_order_ref_id: z.string().nullable(),
  portal_id: z.number().int().nullable(),
  portal_user_id: z.string().nullable(),
  instance_id: z.string().nullable(),
  match_id: z.string().nullable(),
  is_transaction: z.boolean(),
  status: z.enum(ORDER_STATUSES),
  applied_seq: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe("Its place in the player's effect order once final; null while queued or errored."),
  created_time: z.string(),
  completed_time: z.string().nullable(),
  entries: z.array(
    z.looseObject({
      entry_id: z.string(),
      type: z.string(),
      result: z.enum(RESULT_CODES),
      details: z.array(detail),
    }),
  ),
});

const orderPage = z.object({ orders: z.array(playerOrder), next_cursor: z.string().nullable() });
const inventoryPage = z.object({ inventory: z.array(inventoryRecord), next_cursor: z.string().nullable() });
const queueCounts = z.object({
  queue: z.literal(ORDER_QUEUE),
  counts: z.object(Object.fromEntries(JOB_STATES.map((state) => [state, z.number().int().min(0)]))),
});
const retried = z.object({ retried: z.number().int().min(0) });
const status = z.looseObject({ status: z.string() });

/** The catalog as GET answers it: every list, every default filled in, vendors with version and etag. */
const catalogDocument = z.object({
  items: z.array(itemSchema),
  vendors: z.array(
    z.object({ id: z.number().int(), name: z.string(), version: z.number().int(), etag: z.string() }),
  ),
  loot: z.array(lootSchema),
  promotions: z.array(promotionSchema),
});

/**
 * Named schemas, written once under components.schemas and referred to by `$ref` (also from inside
 * one another). Requests are documented as a caller may send them (before defaults and transforms),
 * responses as the server answers, so the two never share a schema: a defaulted catalog field is
 * optional in CatalogUpdate and always present in Catalog.
 */
const requestComponents = z.registry<{ id: string }>();
requestComponents.add(orderCreateSchema, { id: 'PlayerOrderCreate' });
requestComponents.add(modifyManySchema, { id: 'ModifyMany' });
requestComponents.add(catalogUpdateSchema, { id: 'CatalogUpdate' });

const responseComponents = z.registry<{ id: string }>();
for (const [schema, id] of [
  [catalogDocument, 'Catalog'],
  [playerOrder, 'PlayerOrder'],
  [orderPage, 'PlayerOrderPage'],
  [inventoryRecord, 'InventoryRecord'],
  [inventoryPage, 'InventoryPage'],
  [errorBody, 'Error'],
  [authErrorBody, 'AuthError'],
  [validationErrorBody, 'ValidationError'],
] as const) {
  responseComponents.add(schema, { id });
}

const componentRef = (id: string) => `#/components/schemas/${id}`;

// --- The routes -------------------------------------------------------------------------------------

const accepted: Record<number, ResponseDoc> = {
  202: {
    description: 'Accepted: stored durably and queued (`status: queued`); read it back at `Location`.',
    schema: playerOrder,
    headers: { Location: 'Where the order is read back.' },
  },
  200: {
    description:
      'The order is final (with `Prefer: wait`), or this is a replay of an order already accepted ' +
      '(`Idempotent-Replayed: true`).',
    schema: playerOrder,
    headers: {
      Location: 'Where the order is read back.',
      'Idempotent-Replayed': '`true` when the same key and body were accepted before.',
    },
  },
};

const readOrder: Record<number, ResponseDoc> = {
  200: {
    description: 'The order (final, or its current state after `Prefer: wait` ran out).',
    schema: playerOrder,
  },
  202: { description: 'With `Prefer: wait`: not final yet when the wait ran out.', schema: playerOrder },
};

/** A player's order body: `player_uuid` may be left out (the token's player is filled in before validation). */
function playerOrderBody(): JsonSchema {
  const schema = toJsonSchema(playerOrderCreateSchema('00000000-0000-0000-0000-000000000000'));
  const required = Array.isArray(schema.required)
    ? schema.required.filter((field) => field !== 'player_uuid')
    : [];
  return { ...schema, required };
}

export const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/admin/catalog',
    tag: 'catalog',
    summary: 'Read the catalog',
    credentials: ['admin'],
    errors: [401, 403, 503],
    responses: { 200: { description: 'The stored catalog.', schema: catalogDocument } },
  },
  {
    method: 'put',
    path: '/v1/admin/catalog',
    tag: 'catalog',
    summary: 'Upsert catalog entries by id',
    description: 'Every list is optional; what is not named is left as it is. Unknown fields are a 422.',
    credentials: ['admin'],
    body: catalogUpdateSchema,
    errors: [400, 401, 403, 413, 415, 422, 503],
    responses: { 200: { description: 'The stored catalog after the update.', schema: catalogDocument } },
  },
  {
    method: 'post',
    path: '/v1/orders',
    tag: 'orders',
    summary: 'Submit a Player Order',
    description:
      'Idempotent on `order_id` and on (`player_uuid`, `client_order_ref_id`): the same key with the same ' +
      'body is a 200 replay, with another body a 409 `idempotency_conflict`.',
    credentials: ['admin', 'server'],
    body: orderCreateSchema,
    preferWait: true,
    errors: [400, 401, 403, 409, 413, 415, 422, 503],
    responses: accepted,
  },
  {
    method: 'get',
    path: '/v1/orders/{order_id}',
    tag: 'orders',
    summary: 'Read a Player Order',
    credentials: ['admin', 'server'],
    params: orderParams,
    preferWait: true,
    errors: [401, 403, 404, 422, 503],
    responses: readOrder,
  },
  {
    method: 'get',
    path: '/v1/players/{player_uuid}/inventory',
    tag: 'players',
    summary: "A player's inventory, cursor-paginated",
    credentials: ['admin', 'server'],
    params: playerParams,
    query: inventoryQuery,
    errors: [401, 403, 422, 503],
    responses: { 200: { description: 'One page of records.', schema: inventoryPage } },
  },
  {
    method: 'get',
    path: '/v1/players/{player_uuid}/orders',
    tag: 'players',
    summary: "A player's orders, newest first, cursor-paginated",
    credentials: ['admin', 'server'],
    params: playerParams,
    query: ordersQuery,
    errors: [401, 403, 422, 503],
    responses: { 200: { description: 'One page of orders.', schema: orderPage } },
  },
  {
    method: 'get',
    path: '/v1/me/inventory',
    tag: 'player client',
    summary: "The calling player's inventory",
    credentials: ['player'],
    query: inventoryQuery,
    errors: [401, 403, 422, 429, 503],
    responses: { 200: { description: 'One page of records.', schema: inventoryPage } },
  },
  {
    method: 'post',
    path: '/v1/me/orders',
    tag: 'player client',
    summary: 'Submit an order as the calling player',
    description:
      "`player_uuid` may be left out (it is the token's; another is a 403). The source is forced to `CLIENT`.",
    credentials: ['player'],
    body: orderCreateSchema,
    bodyJsonSchema: playerOrderBody,
    preferWait: true,
    errors: [400, 401, 403, 409, 413, 415, 422, 429, 503],
    responses: accepted,
  },
  {
    method: 'get',
    path: '/v1/me/orders/{order_id}',
    tag: 'player client',
    summary: "Read one of the calling player's orders",
    description: "Another player's order is a 404.",
    credentials: ['player'],
    params: meOrderParams,
    preferWait: true,
    errors: [401, 403, 404, 422, 429, 503],
    responses: readOrder,
  },
  {
    method: 'put',
    path: '/inventory/v2/player/me/inventory',
    tag: 'player client',
    summary: "Modify many of the calling player's records",
    description:
      'Becomes an order of `update_inventory` entries with `source: CLIENT`: a client may change only ' +
      '`custom_data`, only of its own records. A `count` left out leaves the count as it is.',
    credentials: ['player'],
    body: modifyManySchema,
    preferWait: true,
    errors: [400, 401, 403, 409, 413, 415, 422, 429, 503],
    responses: accepted,
  },
  {
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
    params: z.object({ platform: z.enum(PLATFORM_NAMES) }),
    body: platformOrderSchema(PLATFORMS.steam),
    preferWait: true,
    errors: [400, 401, 404, 409, 413, 415, 422, 503],
    responses: accepted,
  },
  {
    method: 'get',
    path: '/v1/admin/orders',
    tag: 'operations',
    summary: 'List orders by status (e.g. `errored`), cursor-paginated',
    credentials: ['admin'],
    query: ordersQuery,
    errors: [401, 403, 422, 503],
    responses: { 200: { description: 'One page of orders.', schema: orderPage } },
  },
  {
    method: 'post',
    path: '/v1/admin/orders/{order_id}/retry',
    tag: 'operations',
    summary: 'Re-queue one errored order',
    description: '409 unless the order is `errored`; 404 if unknown. A retried order is still applied once.',
    credentials: ['admin'],
    params: adminOrderParams,
    preferWait: true,
    errors: [401, 403, 404, 409, 422, 503],
    responses: {
      202: { description: 'Re-queued (`status: queued`).', schema: playerOrder },
      200: { description: 'With `Prefer: wait`: the order reached a final status.', schema: playerOrder },
    },
  },
  {
    method: 'post',
    path: '/v1/admin/orders/retry',
    tag: 'operations',
    summary: 'Re-queue every errored order',
    credentials: ['admin'],
    query: bulkRetryQuery,
    errors: [401, 403, 422, 503],
    responses: { 200: { description: 'How many orders were re-queued.', schema: retried } },
  },
  {
    method: 'get',
    path: '/v1/admin/queue',
    tag: 'operations',
    summary: 'Job counts of the order queue by state',
    credentials: ['admin'],
    errors: [401, 403],
    responses: {
      200: { description: 'Counts by state.', schema: queueCounts },
      503: { description: 'Redis cannot be reached.', schema: errorBody },
    },
  },
  {
    method: 'get',
    path: QUEUE_DASHBOARD_PATH,
    tag: 'operations',
    summary: 'Bull Board dashboard (read-only), for a browser',
    description:
      'The admin key as a bearer token, or as the password of HTTP Basic auth (any user name). A 401 ' +
      `carries \`WWW-Authenticate: ${DASHBOARD_CHALLENGE}\`. The dashboard's own assets and API live below this path.`,
    credentials: ['admin', 'adminBasic'],
    errors: [401, 403],
    responses: { 200: { description: 'The dashboard page.', contentType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness: the process is up',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'Up.', schema: status } },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness: PostgreSQL and Redis reachable, not shutting down',
    credentials: [],
    errors: [],
    responses: {
      200: { description: 'Ready.', schema: status },
      503: {
        description: 'Not ready: a dependency is unreachable or the process is shutting down.',
        schema: status,
      },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'docs',
    summary: 'This document (OpenAPI 3.1)',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'docs',
    summary: 'This document as a page for humans',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'An HTML page.', contentType: 'text/html' } },
  },
];

// --- The document ----------------------------------------------------------------------------------

/**
 * `io: 'input'`: a request is documented as what a caller may send (before defaults, coercion and
 * transforms such as the uuid's lower-casing). `unrepresentable: 'any'`: a transform's output or a
 * preprocess step has no JSON Schema form and becomes `{}` rather than throwing.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

function schemaOrRef(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const id = (io === 'input' ? requestComponents : responseComponents).get(schema)?.id;
  return id ? { $ref: componentRef(id) } : toJsonSchema(schema, io);
}

/** Every named schema, converted together so that one refers to another by `$ref`. */
function componentSchemas(): Record<string, JsonSchema> {
  const convert = (registry: typeof requestComponents, io: 'input' | 'output') =>
    z.toJSONSchema(registry, { io, unrepresentable: 'any', target: 'draft-2020-12', uri: componentRef })
      .schemas as Record<string, JsonSchema>;
  const withoutDialect = ([name, { $schema: _dialect, ...schema }]: [string, JsonSchema]): [
    string,
    JsonSchema,
  ] => [name, schema];
  return Object.fromEntries(
    [
      ...Object.entries(convert(requestComponents, 'input')),
      ...Object.entries(convert(responseComponents, 'output')),
    ].map(withoutDialect),
  );
}

const SECURITY: Record<Credential, { scheme: string; definition: JsonSchema }> = {
  admin: {
    scheme: 'adminKey',
    definition: { type: 'http', scheme: 'bearer', description: '`ADMIN_API_KEY`: ops, may use everything.' },
  },
  server: {
    scheme: 'serverKey',
    definition: {
      type: 'http',
      scheme: 'bearer',
      description: '`SERVER_API_KEY`: game servers, `/v1/orders` and `/v1/players/...`.',
    },
  },
  player: {
    scheme: 'playerToken',
    definition: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'HS256 signed with `PLAYER_JWT_SECRET`; `sub` is the player uuid, `exp` is required.',
    },
  },
  webhook: {
    scheme: 'webhookSignature',
    definition: {
      type: 'apiKey',
      in: 'header',
      name: SIGNATURE_HEADER,
      description:
        '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, secret per platform.',
    },
  },
  adminBasic: {
    scheme: 'adminBasic',
    definition: {
      type: 'http',
      scheme: 'basic',
      description: 'HTTP Basic with `ADMIN_API_KEY` as the password (any user name); the dashboard only.',
    },
  },
};

const PARAMETER_NOTES: Record<string, string> = {
  order_id: '1 to 64 of A-Z a-z 0-9 _ -',
  player_uuid: 'The player uuid',
  platform: 'The platform whose secret signs the request',
  limit: 'Page size',
  cursor: '`next_cursor` of the previous page',
  include_expired: '`true` to list expired records too',
  status: 'Only orders in this status',
};

function parameters(schema: z.ZodObject, location: 'path' | 'query'): JsonSchema[] {
  const converted = toJsonSchema(schema);
  const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((converted.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(PARAMETER_NOTES[name] ? { description: PARAMETER_NOTES[name] } : {}),
    schema: property,
  }));
}

const preferHeader = {
  name: 'Prefer',
  in: 'header',
  required: false,
  description:
    '`wait=N` (N ≤ 30, larger is taken as 30): answer once the order is final, or after N seconds. ' +
    'Other preferences may stand beside it (`respond-async, wait=5`); the name is case-insensitive.',
  // What prefer-wait.ts reads, as a JSON Schema pattern (no flags: case by character classes).
  schema: { type: 'string', pattern: '(^|[,;\\s])[Ww][Aa][Ii][Tt]\\s*=\\s*\\d+' },
};

/** Error statuses a route may declare; each is one shared response of the document. */
type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** The shared error responses, by status. */
const ERROR_RESPONSES: Record<
  ErrorStatus,
  { name: string; description: string; schema: string; headers?: JsonSchema }
> = {
  400: {
    name: 'BadRequest',
    description: 'The body could not be read (a compressed body that does not decompress).',
    schema: 'Error',
  },
  401: {
    name: 'Unauthorized',
    description: 'Missing or invalid credential (`auth_success: false`).',
    schema: 'AuthError',
  },
  403: {
    name: 'Forbidden',
    description: 'Valid credential, not allowed here (`auth_success: true`).',
    schema: 'AuthError',
  },
  404: {
    name: 'NotFound',
    description: 'Nothing by that name here (for a player: none of its own).',
    schema: 'Error',
  },
  409: {
    name: 'Conflict',
    description:
      'The same idempotency key with another body (`idempotency_conflict`), or an order not in a state that allows this.',
    schema: 'Error',
  },
  413: { name: 'PayloadTooLarge', description: 'Body over 1 MiB (decompressed).', schema: 'Error' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'A `Content-Encoding` (gzip, deflate and br are read) or charset this API does not read.',
    schema: 'Error',
  },
  422: {
    name: 'ValidationFailed',
    description: 'Invalid request: one item per problem, `loc` names it.',
    schema: 'ValidationError',
  },
  429: {
    name: 'TooManyRequests',
    description:
      'Over `PLAYER_RATE_LIMIT_PER_MINUTE` requests in a minute from this player (`too_many_requests`).',
    schema: 'Error',
    headers: retryAfter,
  },
  503: {
    name: 'Unavailable',
    description:
      'PostgreSQL cannot be reached (`unavailable`). Nothing is half-stored: a submit answered 503 stored ' +
      'its order whole or not at all, so send it again with the same `order_id` or `client_order_ref_id` ' +
      'after `Retry-After`.',
    schema: 'Error',
    headers: retryAfter,
  },
};

function operation(route: RouteDoc): JsonSchema {
  const responses: Record<string, JsonSchema> = Object.fromEntries(
    route.errors.map((status) => [
      String(status),
      { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` },
    ]),
  );
  for (const [code, response] of Object.entries(route.responses)) {
    const content = response.schema
      ? { 'application/json': { schema: schemaOrRef(response.schema, 'output') } }
      : response.contentType
        ? { [response.contentType]: {} }
        : undefined;
    const headers = response.headers
      ? Object.fromEntries(
          Object.entries(response.headers).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' } },
          ]),
        )
      : undefined;
    responses[code] = {
      description: response.description,
      ...(headers && { headers }),
      ...(content && { content }),
    };
  }
  const params = [
    ...(route.params ? parameters(route.params, 'path') : []),
    ...(route.query ? parameters(route.query, 'query') : []),
    ...(route.preferWait ? [preferHeader] : []),
  ];
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, next?: string) => (next ?? '').toUpperCase())}`,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description && { description: route.description }),
    security: route.credentials.map((credential) => ({ [SECURITY[credential].scheme]: [] })),
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && {
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: route.bodyJsonSchema?.() ?? schemaOrRef(route.body, 'input') },
        },
      },
    }),
    responses,
  };
}

const TAGS: Record<string, string> = {
  catalog: 'Items, vendors, loot and promotions (admin).',
  orders: 'Player Orders from game servers: submit, read, wait for final.',
  players: "A player's inventory and orders, for game servers.",
  'player client': 'What a player client may do with its own token.',
  webhooks: 'Signed orders from Steam, PSN and Xbox.',
  operations: 'Errored orders and retries, the queue, health, readiness and metrics.',
  docs: 'This description.',
};

function buildDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Armory',
      version: 'v1',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Player Orders applied exactly once to player inventories. Errors: 422 `{"detail": [...]}` for ' +
        'validation, 401/403 `{"auth_success", "error_code", "desc"}` for credentials, and ' +
        '`{"error_code", "desc"}` for everything else; an unknown route is a 404. A request the HTTP ' +
        'parser refuses gets the same body: 400, or 431 for oversized headers or URL.',
    },
    // Relative: the document describes the server it is served from.
    servers: [{ url: '/', description: 'The Armory server serving this document' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: Object.fromEntries(
        Object.values(SECURITY).map(({ scheme, definition }) => [scheme, definition]),
      ),
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description, schema, headers }) => [
          name,
          {
            description,
            ...(headers && { headers }),
            content: { 'application/json': { schema: { $ref: componentRef(schema) } } },
          },
        ]),
      ),
    },
  };
}

let document: JsonSchema | undefined;

/** The OpenAPI 3.1 document, built once (the routes and schemas do not change while running). */
export function openApiDocument(): JsonSchema {
  document ??= buildDocument();
  return document;
}
