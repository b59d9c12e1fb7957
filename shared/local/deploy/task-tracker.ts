import type { Logger } from '../../ports/logger.ts';

/**
 * The deployer's work in progress (starts, drains, reports) that no caller awaits. `stopAll` waits
 * for it before it stops the processes a second time, so that nothing started during the
 * shutdown outlives it. Tracked work never rejects: a failure is logged (`track`) or left to the
 * caller that also awaits the work itself (`settle`).
 */
export class TaskTracker {
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Tracks work nobody else awaits; a failure is logged. Resolves when it settled. */
  track(work: Promise<unknown>): Promise<void> {
    return this.add(
      work.then(
        () => undefined,
        (error) => this.logger.error('local deployment work failed', { error: String(error) }),
      ),
    );
  }

  /** Tracks work whose caller awaits it and handles its failure; resolves when it settled. */
  settle(work: Promise<unknown>): Promise<void> {
    return this.add(
      work.then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  /** Resolves once every piece of work tracked so far has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }

  private add(settled: Promise<void>): Promise<void> {
    this.tasks.add(settled);
    void settled.finally(() => this.tasks.delete(settled));
    return settled;
  }
}
