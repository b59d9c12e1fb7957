import { describe, expect, it } from '@jest/globals';
import { TransientError, ValidationError } from '../../../../shared/domain/errors.ts';
import { retrying } from '../../../../shared/local/retrying.ts';
import { silentLogger } from '../../../../shared/ports/logger.ts';

describe('retrying', () => {
  it('retries a failing callback after each delay until it succeeds', async () => {
    // Prepare
    const sleeps: number[] = [];
    let calls = 0;
    const wrapped = retrying(
      'finish-build',
      async () => {
        calls++;
        if (calls < 3) throw new TransientError('database is locked');
      },
      { logger: silentLogger, delaysMs: [10, 20, 30], sleep: async (ms) => void sleeps.push(ms) },
    );

    // Act
    await wrapped('outcome');

    // Assess
    expect(calls).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it('gives up after the last delay and says so, without throwing', async () => {
    const given: { arg: string; error: unknown }[] = [];
    const wrapped = retrying(
      'finish-deployment',
      async () => {
        throw new Error('disk full');
      },
      {
        logger: silentLogger,
        delaysMs: [1],
        sleep: async () => {},
        onGiveUp: async (arg: string, error) => void given.push({ arg, error }),
      },
    );

    await expect(wrapped('deployment-1')).resolves.toBeUndefined();
    expect(given).toHaveLength(1);
    expect(given[0]?.arg).toBe('deployment-1');
    expect(String(given[0]?.error)).toContain('disk full');
  });

  it('does not retry an error that says retrying cannot help', async () => {
    let calls = 0;
    const wrapped = retrying(
      'canary check',
      async () => {
        calls++;
        throw new ValidationError('pipeline web is not in the pipeline file');
      },
      { logger: silentLogger, delaysMs: [1, 1], sleep: async () => {} },
    );

    await wrapped(undefined);
    expect(calls).toBe(1);
  });
});
