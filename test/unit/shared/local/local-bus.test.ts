import { describe, expect, it } from '@jest/globals';
import { subscribersOf } from '../../../../functions/subscriptions.ts';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { type BusLogger, DEAD_LETTER_NOTE, LocalBus } from '../../../../shared/local/local-bus.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { ContractClock, runStarted } from '../../../contract/run-store.contract.ts';

interface Line {
  level: string;
  message: string;
  keys: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** A logger that records every line with the keys of the child it came from. */
function recordingLogger(lines: Line[], keys: Record<string, unknown> = {}): BusLogger {
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    lines.push({ level, message, keys, ...(extra ? { extra } : {}) });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    createChild: ({ persistentKeys }) => recordingLogger(lines, { ...keys, ...persistentKeys }),
  };
}

async function setUp(retryDelaysMs: number[] = [10, 20]) {
  const clock = new ContractClock();
  const store = new MemoryRunStore({ clock });
  const started = runStarted(clock);
  await store.startRuns({ provider: 'github', id: 'd1' }, [started]);
  const run = (await store.get(started.detail.runId))!.run;
  const lines: Line[] = [];
  const sleeps: number[] = [];
  const bus = new LocalBus({
    subscribers: subscribersOf,
    store,
    clock,
    logger: recordingLogger(lines),
    retryDelaysMs,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const testsPassed = newEvent(
    'Tests Passed',
    run,
    'build',
    {
      buildId: 'b1',
      tests: { total: 1, passed: 1, failed: 0, skipped: 0 },
      artifacts: { files: [], exportedVariables: {} },
    },
    clock,
  );
  return { store, bus, lines, sleeps, started, testsPassed, run };
}

describe('LocalBus', () => {
  it('delivers an event to the registered functions subscribed to its detail-type only', async () => {
    const { bus, testsPassed } = await setUp();
    const calls: string[] = [];
    bus.on('deploy-staging', (event) => {
      calls.push(`deploy-staging:${event.detailType}`);
    });
    bus.on('start-build', () => {
      calls.push('start-build');
    });
    bus.on('notify', async (event) => {
      calls.push(`notify:${event.detailType}`);
    });

    await bus.publish([testsPassed]);

    expect(calls.sort()).toEqual(['deploy-staging:Tests Passed', 'notify:Tests Passed']);
    expect(bus.handlersOf('Run Started').sort()).toEqual(['deploy-staging', 'notify', 'start-build']);
  });

  it('hands each invocation a child logger keyed by the event id', async () => {
    const { bus, lines, started } = await setUp();
    bus.on('start-build', (_event, context) => {
      context.logger.info('starting build');
    });

    await bus.publish([started]);

    expect(lines).toEqual([
      expect.objectContaining({
        message: 'starting build',
        keys: expect.objectContaining({ eventId: started.detail.eventId, functionName: 'start-build' }),
      }),
    ]);
  });

  it('retries a failing handler with backoff until it succeeds', async () => {
    const { bus, sleeps, store, started } = await setUp([10, 20, 40]);
    const attempts: number[] = [];
    bus.on('start-build', (_event, context) => {
      attempts.push(context.attempt);
      if (context.attempt < 3) throw new Error('CodeBuild throttled');
    });

    await bus.publish([started]);

    expect(attempts).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([10, 20]);
    expect(await store.notes(started.detail.runId)).toEqual([]);
  });

  it('notes a dead letter on the run and logs it after the last retry, without rejecting', async () => {
    const { bus, sleeps, store, lines, started } = await setUp([10, 20]);
    const notified: string[] = [];
    bus.on('start-build', () => {
      throw new Error('disk full');
    });
    bus.on('notify', () => {
      notified.push('ok');
    });

    await expect(bus.publish([started])).resolves.toBeUndefined();

    expect(sleeps).toEqual([10, 20]);
    expect(notified).toEqual(['ok']);
    const notes = await store.notes(started.detail.runId);
    expect(notes).toEqual([
      {
        at: expect.any(String),
        kind: DEAD_LETTER_NOTE,
        message: `start-build failed on Run Started ${started.detail.eventId} after 3 attempts: disk full`,
      },
    ]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({
        message: 'handler failed; dead-lettered',
        keys: expect.objectContaining({ eventId: started.detail.eventId }),
      }),
    ]);
  });

  it('dead-letters at once an error that retrying cannot fix', async () => {
    const { bus, sleeps, store, started } = await setUp([10, 20]);
    bus.on('start-build', () => {
      throw new ValidationError('pipeline web has no build');
    });

    await bus.publish([started]);

    expect(sleeps).toEqual([]);
    expect((await store.notes(started.detail.runId))[0]?.message).toMatch(
      /after 1 attempt: pipeline web has no build/,
    );
  });

  it('still resolves when the dead letter cannot be noted', async () => {
    const lines: Line[] = [];
    const bus = new LocalBus({
      subscribers: subscribersOf,
      store: { addNote: () => Promise.reject(new Error('database is closed')) },
      logger: recordingLogger(lines),
      retryDelaysMs: [],
    });
    const { started } = await setUp();
    bus.on('start-build', () => Promise.reject(new Error('boom')));

    await bus.publish([started]);

    expect(lines.map((l) => l.message)).toEqual([
      'handler failed; dead-lettered',
      'could not note the dead letter on the run',
    ]);
  });

  it('refuses a second handler for the same function', async () => {
    const { bus } = await setUp();
    bus.on('notify', () => {});

    expect(() => bus.on('notify', () => {})).toThrow(/already has a handler for notify/);
  });
});
