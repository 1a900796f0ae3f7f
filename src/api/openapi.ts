import { z } from 'zod';
import { catalogDocumentSchema, catalogUpdateSchema } from '../domain/catalog.js';
import { inventoryPageSchema, inventoryRecordSchema } from '../domain/details.js';
import { orderCreateSchema, orderPageSchema, playerOrderSchema } from '../domain/order.js';
import {
  authErrorBodySchema,
  ERROR_STATUS_DOCS,
  errorBodySchema,
  validationErrorBodySchema,
} from '../http/errors.js';
import { impliedErrors, type AnyRoute } from '../http/routes.js';
import { CREDENTIAL_SCHEMES } from './guards.js';
import { modifyManySchema } from './routes/me.js';

/**
 * The OpenAPI 3.1 document, built from the route declarations themselves (src/http/routes.ts):
 * request schemas are the zod schemas the routes validate with, response schemas the zod schemas
 * the answers' types are inferred from, converted by `z.toJSONSchema`.
 */

type JsonSchema = Record<string, unknown>;

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
  [catalogDocumentSchema, 'Catalog'],
  [playerOrderSchema, 'PlayerOrder'],
  [orderPageSchema, 'PlayerOrderPage'],
  [inventoryRecordSchema, 'InventoryRecord'],
  [inventoryPageSchema, 'InventoryPage'],
  [errorBodySchema, 'Error'],
  [authErrorBodySchema, 'AuthError'],
  [validationErrorBodySchema, 'ValidationError'],
] as const) {
  responseComponents.add(schema, { id });
}

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** Examples of named schemas, shown by /docs beside the samples it builds from each schema. */
const COMPONENT_EXAMPLES: Record<string, unknown[]> = {
  // The README's order: a grant, then a purchase paid from it.
  PlayerOrderCreate: [
    {
      order_id: 'match-42-reward',
      player_uuid: '6f1c1a4e-1d7b-4c38-9a8e-2b1b3f6c9d01',
      source: 'IN_GAME',
      entries: [
        { type: 'fill_loot', loot_id: 200, quantity: 1 },
        { type: 'purchase_loot', loot_id: 100, quantity: 1, purchase_price: { price_item_id: 1, price: 50 } },
      ],
    },
  ],
};

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
  const asComponent = ([name, { $schema: _dialect, ...schema }]: [string, JsonSchema]): [
    string,
    JsonSchema,
  ] => [name, COMPONENT_EXAMPLES[name] ? { ...schema, examples: COMPONENT_EXAMPLES[name] } : schema];
  return Object.fromEntries(
    [
      ...Object.entries(convert(requestComponents, 'input')),
      ...Object.entries(convert(responseComponents, 'output')),
    ].map(asComponent),
  );
}

function parameters(schema: z.ZodObject, location: 'path' | 'query'): JsonSchema[] {
  const converted = toJsonSchema(schema);
  const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((converted.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' && { description: property.description }),
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

function operation(route: AnyRoute<never>): JsonSchema {
  const responses: Record<string, JsonSchema> = Object.fromEntries(
    impliedErrors(route).map((status) => [
      String(status),
      { $ref: `#/components/responses/${ERROR_STATUS_DOCS[status].name}` },
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
  const parts: { params?: z.ZodObject; query?: z.ZodObject; body?: z.ZodType } =
    'handle' in route ? route : {};
  const params = [
    ...(parts.params ? parameters(parts.params, 'path') : []),
    ...(parts.query ? parameters(parts.query, 'query') : []),
    ...(route.preferWait ? [preferHeader] : []),
  ];
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, next?: string) => (next ?? '').toUpperCase())}`,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description && { description: route.description }),
    security: route.credentials.map((credential) => ({ [CREDENTIAL_SCHEMES[credential].scheme]: [] })),
    ...(params.length > 0 && { parameters: params }),
    ...(parts.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaOrRef(parts.body, 'input') } },
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

/** The document of `routes`. */
export function buildOpenApiDocument(routes: AnyRoute<never>[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
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
        Object.values(CREDENTIAL_SCHEMES).map(({ scheme, definition }) => [scheme, definition]),
      ),
      responses: Object.fromEntries(
        Object.values(ERROR_STATUS_DOCS).map(({ name, description, schema, headers }) => [
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
