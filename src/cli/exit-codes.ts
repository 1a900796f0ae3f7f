/** The ops CLI's exit codes: 0 done, 1 failed (or not found, or not retryable), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
