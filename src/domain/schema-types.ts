import { z } from 'zod';

/** Small schemas shared by the order and catalog documents. */

export const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
export const id = z.number().int().min(1).max(2_147_483_647);

export const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID')
  .transform((value) => value.toLowerCase());

/** Datetimes outside these bounds cannot be stored (PostgreSQL's and ISO 8601's four-digit years). */
export const EARLIEST = new Date('1970-01-01T00:00:00Z');
export const LATEST = new Date('9999-12-31T23:59:59Z');

const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * A datetime that carries its zone, or a Unix timestamp in seconds (taken as UTC); normalized to an
 * ISO 8601 string in UTC. A datetime without a zone is refused: its instant would be a guess.
 */
/** `new Date` rolls 2030-02-30 over into March; a date the caller did not mean is refused instead. */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const zonedDateTime = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'string' && !ZONED.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'datetime must carry a timezone (e.g. Z or +02:00)' });
    return z.NEVER;
  }
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'not a valid datetime' });
    return z.NEVER;
  }
  if (typeof value === 'string' && !isCalendarDate(value)) {
    ctx.addIssue({ code: 'custom', message: 'not a date on the calendar' });
    return z.NEVER;
  }
  if (date.getTime() < EARLIEST.getTime() || date.getTime() > LATEST.getTime()) {
    ctx.addIssue({ code: 'custom', message: 'datetime must fall between the years 1970 and 9999' });
    return z.NEVER;
  }
  return date.toISOString();
});

/**
 * Text a caller sends, between `min` and `max` characters. PostgreSQL cannot store U+0000 nor a
 * lone UTF-16 surrogate, so they are refused here as bad input rather than failing later as a 500.
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL can store a JSON value: no NUL and no lone surrogate in any key or string. */
function storable(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([key, field]) => storable(key) && storable(field));
  }
  return true;
}

/**
 * Custom attributes: string keys and string values, each bounded. A `__proto__` key is refused: a
 * JavaScript object cannot hold it as data (zod's record, and every copy after it, would drop it
 * silently after the order was accepted), and refusing it is clearer than storing it half.
 */
export const customData = z.preprocess(
  (value, ctx) => {
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({
        code: 'custom',
        path: ['__proto__'],
        message: '"__proto__" is not allowed as a key',
        input: value,
      });
    }
    return value;
  },
  z.record(text(1, 256), text(0, 4096)),
);

/** The most bytes a stack's display properties may take, as JSON (PlayFab's limit). */
export const MAX_DISPLAY_PROPERTIES_BYTES = 1000;

/** A stack's display properties: a JSON object (as parsed from a body) of at most MAX_DISPLAY_PROPERTIES_BYTES. */
export const displayProperties = z
  .record(z.string(), z.unknown())
  .refine(storable, 'must not contain NUL characters or malformed Unicode')
  .refine(
    (value) => new TextEncoder().encode(JSON.stringify(value)).length <= MAX_DISPLAY_PROPERTIES_BYTES,
    `must take at most ${MAX_DISPLAY_PROPERTIES_BYTES} bytes as JSON`,
  );

/**
 * A collection: one of a player's inventories (PlayFab's `CollectionId`), `default` unless named.
 * A stack tells apart records of one item in one collection (PlayFab's `StackId`).
 */
export const collectionId = text(1, 75);
export const stackId = text(1, 128);

/** An order id a game server or an admin may choose, and what generated ids look like. */
export const chosenOrderId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 _ -');

/**
 * A platform's event id is stored in the platform's own namespace (`steam:evt-1001`), which no
 * chosen id can enter (no `:`): events of two platforms, or of a platform and a game server, can
 * never collide or block each other.
 */
export const namespacedOrderId = (namespace: string, eventId: string) => `${namespace}:${eventId}`;

/** Any stored order id: a chosen or generated one, or a namespaced platform event id. */
export const orderId = z.string().regex(/^(?:[a-z]{1,15}:)?[A-Za-z0-9_-]{1,64}$/, 'not an order id');

/** Timestamps come back from raw SQL as text (MikroORM keeps pg from parsing them); one ISO form out. */
export const isoTime = (value: Date | string): string => new Date(value).toISOString();
