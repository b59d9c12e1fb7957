/**
 * Runs async work one at a time per key, in this process. start-canary decides "is the production
 * slot free?" and then claims it by appending `Canary Started`; two decisions for one pipeline
 * interleaving between the read and the append could both see the slot free. Serialising them per
 * pipeline closes that window in one process (local mode). On AWS the start-canary function runs
 * with reserved concurrency 1 for the same reason (and CodeDeploy refuses a second deployment to a
 * deployment group that has one in progress).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nothing queued behind this call, so the map does not grow forever.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
