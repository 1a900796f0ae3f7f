/**
 * The capacity search: the highest open-loop arrival rate a pipeline sustains within its latency
 * goal, found in a bounded number of tries. Each try is the caller's (`tryRate`); this file only
 * chooses the rates.
 */

export interface SearchPlan {
  /** The first rate tried, in orders per second. */
  startRate: number;
  /** The most rates tried in all: bounds the search's time. */
  maxSteps: number;
  /** Bisecting stops once the bracket is narrower than this share of the failing rate. */
  resolution: number;
}

export interface SearchResult<Step> {
  /** The highest rate that passed; 0 when none did. */
  capacity: number;
  steps: Step[];
}

/**
 * Doubles the rate from `startRate` while it passes; after the first failure, bisects between the
 * highest rate that passed (0 if none) and the lowest that failed. A rate found this way is a lower
 * bound: the true capacity lies below the lowest failing rate.
 */
export async function searchCapacity<Step extends { rate: number; passed: boolean }>(
  plan: SearchPlan,
  tryRate: (rate: number) => Promise<Step>,
): Promise<SearchResult<Step>> {
  const steps: Step[] = [];
  let passed = 0;
  let failed = Infinity;
  const narrowEnough = () => failed !== Infinity && failed - passed <= Math.max(1, failed * plan.resolution);
  let rate = Math.max(1, Math.round(plan.startRate));
  while (steps.length < plan.maxSteps) {
    const step = await tryRate(rate);
    steps.push(step);
    if (step.passed) passed = Math.max(passed, rate);
    else failed = Math.min(failed, rate);
    if (narrowEnough()) break;
    rate = failed === Infinity ? rate * 2 : Math.round((passed + failed) / 2);
  }
  return { capacity: passed, steps };
}
