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
 * JSON lines on stdout, or on another file descriptor (the ops CLI keeps stdout for its answers) or
 * stream (tests read them).
 */
export function createLogger(
  level: string,
  name: string,
  destination: number | DestinationStream = 1,
): Logger {
  return pino(
    { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    typeof destination === 'number' ? pino.destination(destination) : destination,
  );
}
