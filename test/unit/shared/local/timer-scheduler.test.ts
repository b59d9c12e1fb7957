import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { runEvery, TimerScheduler } from '../../../../shared/local/timer-scheduler.ts';
import type { CanaryCheckTask, ScheduledTask } from '../../../../shared/ports/scheduler.ts';

const T0 = new Date('2025-03-14T09:27:00.000Z');
const task = (check: number): CanaryCheckTask => ({
  kind: 'canary-check',
  runId: 'r1',
  attempt: 1,
  deploymentId: 'd1',
  check,
});
const inSeconds = (s: number) => new Date(T0.getTime() + s * 1000);

describe('TimerScheduler', () => {
  let ran: ScheduledTask[];
  let scheduler: TimerScheduler;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    ran = [];
    scheduler = new TimerScheduler({ run: async (t) => void ran.push(t) });
  });

  afterEach(() => {
    scheduler.close();
    jest.useRealTimers();
  });

  it('runs a task when it is due, not before', async () => {
    // Prepare
    await scheduler.schedule({ key: 'a', at: inSeconds(60), task: task(1) });

    // Act
    await jest.advanceTimersByTimeAsync(59_999);
    const before = [...ran];
    await jest.advanceTimersByTimeAsync(1);

    // Assess
    expect(before).toEqual([]);
    expect(ran).toEqual([task(1)]);
    expect(scheduler.pending).toBe(0);
  });

  it('schedules a key once, whether it is pending or has already run', async () => {
    // Prepare
    await scheduler.schedule({ key: 'a', at: inSeconds(10), task: task(1) });
    await scheduler.schedule({ key: 'a', at: inSeconds(20), task: task(2) });
    await jest.advanceTimersByTimeAsync(30_000);

    // Act
    await scheduler.schedule({ key: 'a', at: inSeconds(40), task: task(3) });
    await jest.advanceTimersByTimeAsync(30_000);

    // Assess
    expect(ran).toEqual([task(1)]);
  });

  it('runs a task whose time has passed at once', async () => {
    // Act
    await scheduler.schedule({ key: 'late', at: inSeconds(-300), task: task(1) });
    await jest.advanceTimersByTimeAsync(0);

    // Assess
    expect(ran).toEqual([task(1)]);
  });

  it('waits beyond the longest setTimeout by re-arming', async () => {
    // Prepare
    const thirtyDays = 30 * 24 * 3600;
    await scheduler.schedule({ key: 'far', at: inSeconds(thirtyDays), task: task(1) });

    // Act
    await jest.advanceTimersByTimeAsync((thirtyDays - 1) * 1000);
    const before = [...ran];
    await jest.advanceTimersByTimeAsync(1000);

    // Assess
    expect(before).toEqual([]);
    expect(ran).toEqual([task(1)]);
  });

  it('reports a task that throws and keeps running the others', async () => {
    // Prepare
    const errors: unknown[] = [];
    scheduler.close();
    scheduler = new TimerScheduler({
      run: async (t) => {
        if (t.kind === 'canary-check' && t.check === 1) throw new Error('boom');
        ran.push(t);
      },
      onError: (error) => errors.push(error),
    });
    await scheduler.schedule({ key: 'a', at: inSeconds(1), task: task(1) });
    await scheduler.schedule({ key: 'b', at: inSeconds(2), task: task(2) });

    // Act
    await jest.advanceTimersByTimeAsync(2000);

    // Assess
    expect(errors).toEqual([new Error('boom')]);
    expect(ran).toEqual([task(2)]);
  });

  it('runs nothing after close', async () => {
    // Prepare
    await scheduler.schedule({ key: 'a', at: inSeconds(1), task: task(1) });

    // Act
    scheduler.close();
    await scheduler.schedule({ key: 'b', at: inSeconds(1), task: task(2) });
    await jest.advanceTimersByTimeAsync(5000);

    // Assess
    expect(ran).toEqual([]);
  });
});

describe('runEvery', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs a round every period and skips a round while the last one still runs', async () => {
    // Prepare
    let rounds = 0;
    let release: () => void = () => {};
    const stop = runEvery(1000, () => {
      rounds++;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });

    // Act
    await jest.advanceTimersByTimeAsync(3000);
    const whileBusy = rounds;
    release();
    await jest.advanceTimersByTimeAsync(1000);
    stop();
    await jest.advanceTimersByTimeAsync(5000);

    // Assess
    expect(whileBusy).toBe(1);
    expect(rounds).toBe(2);
  });
});
