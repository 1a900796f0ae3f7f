import { describe, expect, it } from 'vitest';
import { naturalBatches } from '../src/natural-batches.js';

/** A batch runner whose batches finish only when the test says so, recording what each held. */
function controlledRunner(fail: (input: number) => boolean = () => false) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const run = async (inputs: number[]) => {
    batches.push(inputs);
    await new Promise<void>((resolve) => releases.push(resolve));
    if (inputs.some(fail)) throw new Error(`bad input in ${inputs.join(',')}`);
    return inputs.map((input) => input * 10);
  };
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { run, batches, releases, releaseAll };
}

describe('naturalBatches', () => {
  it('runs the first call at once (a microtask later), and batches the calls made while it runs', async () => {
    const runner = controlledRunner();
    const call = naturalBatches(runner.run, 100);
    const first = call(1);
    expect(runner.batches).toEqual([]);
    await Promise.resolve();
    expect(runner.batches).toEqual([[1]]);
    const rest = [call(2), call(3), call(4)];
    // Nothing else starts while the first batch is in flight.
    expect(runner.batches).toEqual([[1]]);
    await runner.releaseAll();
    await runner.releaseAll();
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
  });

  it('runs the calls of one tick together, never more than maxBatch inputs in one batch', async () => {
    const runner = controlledRunner();
    const call = naturalBatches(runner.run, 2);
    const all = [1, 2, 3, 4, 5].map((input) => call(input));
    for (let round = 0; round < 5; round++) await runner.releaseAll();
    expect(runner.batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
  });

  it('runs a failed batch again one input at a time: only the bad input fails its caller', async () => {
    const runner = controlledRunner((input) => input === 3);
    const call = naturalBatches(runner.run, 100);
    const first = call(1);
    await Promise.resolve();
    const rest = [2, 3, 4].map((input) => call(input).catch((error: Error) => error.message));
    for (let round = 0; round < 5; round++) await runner.releaseAll();
    expect(runner.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 'bad input in 3', 40]);
  });

  it("runs a failed batch's inputs again one after another, in the batch's order", async () => {
    const runner = controlledRunner((input) => input === 3);
    const call = naturalBatches(runner.run, 100);
    const first = call(1);
    await Promise.resolve();
    const rest = [2, 3, 4].map((input) => call(input).catch(() => 'failed'));
    const finishOne = async () => {
      runner.releases.shift()!();
      for (let tick = 0; tick < 3; tick++) await new Promise((resolve) => setImmediate(resolve));
    };
    await finishOne();
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
    await finishOne();
    // The batch failed: its first input alone, and nothing else until that one is done.
    expect(runner.batches).toEqual([[1], [2, 3, 4], [2]]);
    await finishOne();
    expect(runner.batches).toEqual([[1], [2, 3, 4], [2], [3]]);
    await finishOne();
    await finishOne();
    expect(runner.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect([await first, ...(await Promise.all(rest))]).toEqual([10, 20, 'failed', 40]);
  });

  it('starts again at once after going idle', async () => {
    const runner = controlledRunner();
    const call = naturalBatches(runner.run, 100);
    const first = call(1);
    await Promise.resolve();
    await runner.releaseAll();
    expect(await first).toBe(10);
    const second = call(2);
    await Promise.resolve();
    expect(runner.batches).toEqual([[1], [2]]);
    await runner.releaseAll();
    expect(await second).toBe(20);
  });
});

describe('naturalBatches with maxInFlight', () => {
  it('starts a batch at once while fewer than maxInFlight run, and batches the calls past that', async () => {
    const runner = controlledRunner();
    const call = naturalBatches(runner.run, 100, 2);
    const first = call(1);
    await Promise.resolve();
    const second = call(2);
    await Promise.resolve();
    // Two in flight: the next calls wait, and go together once one of them finishes.
    const rest = [call(3), call(4)];
    await Promise.resolve();
    expect(runner.batches).toEqual([[1], [2]]);
    runner.releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.batches).toEqual([[1], [2], [3, 4]]);
    await runner.releaseAll();
    expect(await Promise.all([first, second, ...rest])).toEqual([10, 20, 30, 40]);
  });
});
