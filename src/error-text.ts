/**
 * Errors as one line of text, for a log message, a startup failure or an order's `last_error`: never
 * a stack trace, and never the SQL text a driver error carries (it says how the service works
 * inside, and nothing a reader can act on; the full error is in the log).
 */

/** The reason an error gives, on one line. A driver error starts with the SQL knex ran (`<sql> - <why>`): the why. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const fromDriver = typeof (error as { code?: unknown }).code === 'string';
  const at = error.message.lastIndexOf(' - ');
  const reason = fromDriver && at >= 0 ? error.message.slice(at + 3) : error.message.split('\n')[0]!;
  return reason || error.name;
}

/** `<name> <code>: <reason>`, e.g. `error 55P03: canceling statement due to lock timeout`. */
export function summarizeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${reasonOf(error)}`;
}
