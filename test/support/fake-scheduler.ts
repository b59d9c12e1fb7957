import type { ScheduledTask, ScheduleRequest, Scheduler } from '../../shared/ports/scheduler.ts';

/**
 * A `Scheduler` that only remembers: idempotent by key (a key scheduled or already taken is not
 * scheduled again), and the test takes due jobs with `takeNext` and runs them itself.
 */
export class FakeScheduler implements Scheduler {
  readonly requests: ScheduleRequest[] = [];
  private readonly pending = new Map<string, ScheduleRequest>();
  private readonly taken = new Set<string>();

  async schedule(request: ScheduleRequest): Promise<void> {
    this.requests.push(request);
    if (this.pending.has(request.key) || this.taken.has(request.key)) return;
    this.pending.set(request.key, request);
  }

  /** The earliest pending job, removed from the schedule; `undefined` when none is left. */
  takeNext(): ScheduleRequest | undefined {
    const next = [...this.pending.values()].sort((a, b) => a.at.getTime() - b.at.getTime())[0];
    if (!next) return undefined;
    this.pending.delete(next.key);
    this.taken.add(next.key);
    return next;
  }

  /** The jobs still pending, earliest first. */
  get jobs(): ScheduleRequest[] {
    return [...this.pending.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  tasks(): ScheduledTask[] {
    return this.jobs.map((job) => job.task);
  }
}
