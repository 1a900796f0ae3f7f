import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Credentials never reach a log line: bearer keys and player tokens (Authorization, also as HTTP
 * Basic for the queue dashboard), webhook signatures, cookies, and any `secret` or `password` field.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-armory-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.password',
];

/**
 * pino's error serializer (type, message, stack, code and the error's other fields), with the one
 * key it writes in camelCase (the errors inside an AggregateError, as when `localhost` resolves to
 * both ::1 and 127.0.0.1) in snake_case like every other key.
 */
export function serializeError(error: unknown): unknown {
  // pino-http hands over errors it has serialized already.
  const serialized: unknown = error instanceof Error ? pino.stdSerializers.err(error) : error;
  if (!serialized || typeof serialized !== 'object' || !('aggregateErrors' in serialized)) return serialized;
  const { aggregateErrors, ...rest } = serialized;
  return { ...rest, aggregate_errors: aggregateErrors };
}

/**
 * JSON lines on stdout, or on another file descriptor (the ops CLI keeps stdout for its answers) or
 * stream (tests read them).
 */
export function createLogger(
  level: string,
  name: string,
  destination: number | DestinationStream = 1,
): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    // Written asynchronously: a log line never blocks the event loop on a slow stdout. pino flushes
    // what is pending when the process exits (a SIGKILL can still lose the last lines).
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination,
  );
}
