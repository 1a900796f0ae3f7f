/**
 * SIGTERM and SIGINT, owned from the first moment of the process. Each entry point calls
 * `takeStopSignals()` before it loads anything else (this module imports nothing), so a stop that
 * arrives while the process is still loading ends it with exit 0, not killed by the signal: nothing
 * has been taken yet, and a migration in progress rolls back with its connection. runtime.ts hands
 * the signal on as startup goes (see `runRole`), finally to the ordered shutdown.
 */

export type StopHandler = (signal: NodeJS.Signals) => void;

let handler: StopHandler = () => process.exit(0);
let taken = false;

export function takeStopSignals(): void {
  if (taken) return;
  taken = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => handler(signal));
}

/** What a stop signal does from now on. */
export function onStopSignal(next: StopHandler): void {
  handler = next;
}
