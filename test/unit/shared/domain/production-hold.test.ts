import { describe, expect, it } from '@jest/globals';
import { newEvent } from '../../../../shared/app/new-event.ts';
import { productionHold } from '../../../../shared/domain/production-hold.ts';
import { applyEvent } from '../../../../shared/domain/run.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { pipelineConfig, runAt } from '../../../support/runs.ts';

const windows = (...list: string[]) =>
  pipelineConfig({ production: { local: { start: 'node server.js', port: 4000 }, windows: list } });
const freeze = { by: 'Priya', reason: 'audit', at: '2026-12-02T10:00:00.000Z' };

describe('productionHold', () => {
  it('does not hold a pipeline without a freeze or windows', () => {
    expect(productionHold(pipelineConfig(), {}, new Date('2026-12-05T03:00:00Z'))).toBeUndefined();
  });

  it('holds a frozen pipeline, saying who and why, even inside a window', () => {
    expect(productionHold(windows('daily 00:00-24:00 UTC'), { frozen: freeze }, new Date())).toEqual({
      kind: 'frozen',
      freeze,
      message: 'waiting: production is frozen by Priya: audit',
    });
  });

  it('holds outside the windows, saying when they next open', () => {
    expect(
      productionHold(windows('mon-fri 09:00-17:00 Europe/Berlin'), {}, new Date('2026-12-02T17:30:00Z')),
    ).toEqual({
      kind: 'outside-windows',
      windows: 'mon-fri 09:00-17:00 Europe/Berlin',
      nextOpening: '2026-12-03T08:00:00.000Z',
      message:
        'waiting: outside the deploy windows (mon-fri 09:00-17:00 Europe/Berlin); next opens 2026-12-03T08:00:00Z',
    });
  });
});

describe('Production Released in the fold', () => {
  const clock = new FakeClock();

  it('is applied to a run waiting for production and changes nothing but its time', () => {
    // Prepare
    const run = runAt('staged');

    // Act
    const result = applyEvent(
      run,
      newEvent('Production Released', run, 'canary', { reason: 'a deploy window opened' }, clock),
    );

    // Assess
    expect(result.kind).toBe('applied');
    expect(result.run.stages).toEqual(run.stages);
  });

  it('is ignored once the canary has started', () => {
    // Prepare
    const run = runAt('canary');

    // Act
    const result = applyEvent(
      run,
      newEvent('Production Released', run, 'canary', { reason: 'unfrozen by Priya' }, clock),
    );

    // Assess
    expect(result.kind).toBe('ignored');
  });
});
