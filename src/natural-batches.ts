/**
 * Batches that form by themselves. A call made while fewer than `maxInFlight` batches are in flight
 * starts one at once, together with the calls of the same tick (the batch starts on a microtask,
 * not a timer); calls made while `maxInFlight` batches are in flight wait and run together in the
 * next one to start, up to `maxBatch`. An idle system pays no latency for it, and a busy one pays
 * one round trip for many calls.
 *
 * `run` answers one output per input, in order. When a batch of several fails, each of its inputs
 * runs again alone, one after another in the batch's order, so one input that cannot be processed
 * fails only its own caller and the others keep their order (a player's orders their accept order).
 */
export function naturalBatches<In, Out>(
  run: (inputs: In[]) => Promise<Out[]>,
  maxBatch: number,
  maxInFlight = 1,
): (input: In) => Promise<Out> {
  interface Waiting {
    input: In;
    resolve: (output: Out) => void;
    reject: (error: unknown) => void;
  }
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let startScheduled = false;

  const settle = async (batch: Waiting[]): Promise<void> => {
    try {
      const outputs = await run(batch.map(({ input }) => input));
      batch.forEach(({ resolve }, index) => resolve(outputs[index]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const one of batch) await settle([one]);
    }
  };
  const start = () => {
    startScheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      inFlight++;
      void settle(waiting.splice(0, maxBatch)).finally(() => {
        inFlight--;
        start();
      });
    }
  };
  return (input) =>
    new Promise<Out>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (!startScheduled && inFlight < maxInFlight) {
        startScheduled = true;
        queueMicrotask(start);
      }
    });
}
