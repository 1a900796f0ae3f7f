import { reasonOf } from './error-text.js';

/**
 * The two services Armory cannot work without, and how to say in one line that one of them could
 * not be used: at startup (runtime.ts), in the ops CLI, in logs.
 */

export type Dependency = 'PostgreSQL' | 'Redis';

/** Host, port and path of a connection URL: enough to say which server, never its password. */
export function addressOf(url: string): string {
  const { host, pathname } = new URL(url);
  return `${host}${pathname === '/' ? '' : pathname}`;
}

/** Something a process needs and could not get; the message names what and where, in one line. */
export class StartupError extends Error {
  constructor(
    message: string,
    /** Log fields that say what and where (`dependency`, `address`, `port`). */
    readonly fields: Record<string, string | number>,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'StartupError';
  }
}

/** A dependency that could not be reached or used: which one, where, and why. */
export class DependencyError extends StartupError {
  constructor(dependency: Dependency, address: string, cause: unknown) {
    super(`cannot reach ${dependency} at ${address}: ${reasonOf(cause)}`, { dependency, address }, cause);
    this.name = 'DependencyError';
  }
}
