import { describe, expect, it } from '@jest/globals';
import { TaskTracker } from '../../../../../shared/local/deploy/task-tracker.ts';
import type { Logger } from '../../../../../shared/ports/logger.ts';
import { silentLogger } from '../../../../../shared/ports/logger.ts';

/** A logger that keeps its error lines. */
function recordingLogger() {
  const errors: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    ...silentLogger,
    error: (message, fields) => {
      errors.push({ message, fields });
    },
  };
  return { logger, errors };
}

/** A promise settled by hand. */
function deferred() {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TaskTracker', () => {
  it('waits in idle() for every piece of work tracked so far', async () => {
    const tasks = new TaskTracker(silentLogger);
    const a = deferred();
    const b = deferred();
    tasks.track(a.promise);
    tasks.settle(b.promise);
    let idle = false;
    const waiting = tasks.idle().then(() => {
      idle = true;
    });

    a.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const idleAfterOne = idle;
    b.reject(new Error('restore failed'));
    await waiting;

    expect(idleAfterOne).toBe(false);
    expect(idle).toBe(true);
  });

  it('logs a failure of tracked work and never rejects', async () => {
    const { logger, errors } = recordingLogger();
    const tasks = new TaskTracker(logger);

    await expect(tasks.track(Promise.reject(new Error('drain failed')))).resolves.toBeUndefined();

    expect(errors).toEqual([
      { message: 'local deployment work failed', fields: { error: 'Error: drain failed' } },
    ]);
  });

  it('leaves the failure of settled work to its caller: nothing logged, never rejects', async () => {
    const { logger, errors } = recordingLogger();
    const tasks = new TaskTracker(logger);

    await expect(tasks.settle(Promise.reject(new Error('exited')))).resolves.toBeUndefined();

    expect(errors).toEqual([]);
  });
});
