import type { Clock } from '../ports/clock.ts';
import { systemClock } from '../ports/clock.ts';
import type { ScheduledTask, ScheduleRequest, Scheduler } from '../ports/scheduler.ts';

/** `setTimeout` cannot wait longer than 2^31-1 ms (about 24.8 days); longer waits re-arm. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** How many keys that already ran are remembered (so a re-schedule of one is a no-op). */
const REMEMBERED_KEYS = 10_000;

export interface TimerSchedulerOptions {
  /** Runs a task when it is due (local mode: the canary check). */
  run: (task: ScheduledTask) => Promise<void>;
  /** Told when a task throws; a task's failure never stops the scheduler. */
  onError?: (error: unknown, task: ScheduledTask) => void;
  clock?: Clock;
}

/**
 * The local-mode `Scheduler`: one in-process timer per key. Idempotent by key while the process
 * lives (a key pending or already run is not scheduled again). Timers die with the process, so
 * local mode re-arms the canary checks at start-up from the store (`makeResumeCanaries`).
 * Timers are `unref`'d: a pending check never keeps a finished process alive.
 */
export class TimerScheduler implements Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ran = new Set<string>();
  private readonly options: TimerSchedulerOptions;
  private readonly clock: Clock;
  private closed = false;

  constructor(options: TimerSchedulerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  async schedule({ key, at, task }: ScheduleRequest): Promise<void> {
    if (this.closed || this.timers.has(key) || this.ran.has(key)) return;
    this.arm(key, at, task);
  }

  /** How many tasks are waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** Cancels every pending timer; later `schedule` calls do nothing. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(key: string, at: Date, task: ScheduledTask): void {
    const wait = at.getTime() - this.clock.now().getTime();
    const timer = setTimeout(
      () => {
        if (wait > MAX_DELAY_MS) return this.arm(key, at, task);
        this.timers.delete(key);
        this.remember(key);
        this.options.run(task).catch((error: unknown) => this.options.onError?.(error, task));
      },
      Math.min(Math.max(wait, 0), MAX_DELAY_MS),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  private remember(key: string): void {
    this.ran.add(key);
    if (this.ran.size > REMEMBERED_KEYS) {
      const oldest = this.ran.values().next().value;
      if (oldest !== undefined) this.ran.delete(oldest);
    }
  }
}

/**
 * Runs `task` every `everyMs` (local mode: the watchdog), never two rounds at once: a round that
 * is still running when the next is due makes that one skip. Returns a function that stops it.
 */
export function runEvery(
  everyMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void = () => {},
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
