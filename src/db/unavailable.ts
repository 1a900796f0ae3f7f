/**
 * Whether an error says the database cannot be reached right now (down, restarting, refusing
 * connections, out of connections), as opposed to a query it refused. Callers answer 503 with
 * Retry-After for these; anything else is a bug or bad data.
 */

const UNAVAILABLE_CODES = new Set([
  // The network: refused, reset, unreachable, unresolved.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // PostgreSQL: shutting down, crashed, starting up, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** What node-postgres and knex say when a connection dies or cannot be had in time (they set no code). */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Client has encountered a connection error|Connection ended unexpectedly|Timeout acquiring a connection/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // SQLSTATE class 08: connection exceptions.
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  return error.cause !== undefined && isDatabaseUnavailable(error.cause);
}
