import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CanaryVerdict } from '../../../../events/common.ts';
import {
  canaryCheckAt,
  decideCanary,
  endingStage,
  environmentOf,
  hasTarget,
  nextCanaryCheck,
} from '../../../../shared/domain/next-step.ts';
import { pipelineConfig, runAt, T0 } from '../../../support/runs.ts';

function verdict(result: CanaryVerdict['result'], reason: string = result): CanaryVerdict {
  return { result, reason, metrics: [], alarms: [], judgedAt: T0.toISOString() };
}

describe('hasTarget', () => {
  it('reads the block of the platform in use, or either block when none is given', () => {
    // Prepare
    const localOnly = pipelineConfig();
    const awsOnly = pipelineConfig({
      staging: { codedeploy: { application: 'web', deploymentGroup: 'web-staging', platform: 'ECS' } },
    });

    // Act / Assess
    expect(hasTarget(localOnly, 'staging', 'local')).toBe(true);
    expect(hasTarget(localOnly, 'staging', 'aws')).toBe(false);
    expect(hasTarget(awsOnly, 'staging', 'aws')).toBe(true);
    expect(hasTarget(awsOnly, 'staging')).toBe(true);
    expect(hasTarget(pipelineConfig({ staging: {} }), 'staging')).toBe(false);
  });
});

describe('environmentOf', () => {
  it('tells a staging deployment from a production one by the ids the run recorded', () => {
    const run = runAt('canary');
    expect(environmentOf(run, `staging-${run.id}`)).toBe('staging');
    expect(environmentOf(run, `production-${run.id}`)).toBe('production');
    expect(environmentOf(run, 'someone-else')).toBeUndefined();
  });
});

describe('endingStage', () => {
  it('is the running stage, else the last stage that started', () => {
    expect(endingStage(runAt('building'))).toBe('build');
    expect(endingStage(runAt('staged'))).toBe('staging');
    expect(endingStage(runAt('started'))).toBe('source');
  });
});

describe('canaryCheckAt', () => {
  it('checks every interval and last at the end of the bake', () => {
    // Prepare
    const canary = { intervalSeconds: 60, bakeSeconds: 150 };
    const startedAt = T0.toISOString();

    // Act
    const checks = [1, 2, 3].map((n) => canaryCheckAt(startedAt, canary, n));

    // Assess
    expect(checks.map((c) => (c.at.getTime() - T0.getTime()) / 1000)).toEqual([60, 120, 150]);
    expect(checks.map((c) => c.last)).toEqual([false, false, true]);
  });

  it('has exactly one last check, at the bake’s end, for any interval and bake', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 7200 }), (interval, bake) => {
        const canary = { intervalSeconds: interval, bakeSeconds: bake };
        const count = Math.ceil(bake / interval);
        const checks = Array.from({ length: count }, (_, i) =>
          canaryCheckAt(T0.toISOString(), canary, i + 1),
        );
        expect(checks.filter((c) => c.last)).toHaveLength(1);
        expect(checks.at(-1)!.at.getTime() - T0.getTime()).toBe(bake * 1000);
      }),
    );
  });
});

describe('nextCanaryCheck', () => {
  it('is the first check still to come, and the last one once the bake is over', () => {
    const canary = { intervalSeconds: 60, bakeSeconds: 180 };
    const at = (s: number) => new Date(T0.getTime() + s * 1000);
    expect(nextCanaryCheck(T0.toISOString(), canary, at(0))).toBe(1);
    expect(nextCanaryCheck(T0.toISOString(), canary, at(61))).toBe(2);
    expect(nextCanaryCheck(T0.toISOString(), canary, at(3600))).toBe(3);
  });
});

describe('decideCanary', () => {
  it('calls a canary unhealthy as soon as one window is unhealthy, even before the bake ends', () => {
    const decision = decideCanary({
      window: verdict('unhealthy', 'error_rate 0.2 > max 0.01'),
      cumulative: verdict('healthy'),
      last: false,
      noData: 'rollback',
    });
    expect(decision).toEqual({
      kind: 'unhealthy',
      verdict: verdict('unhealthy', 'error_rate 0.2 > max 0.01'),
    });
  });

  it('waits while the bake lasts, and calls it healthy at the end when the whole canary is', () => {
    expect(
      decideCanary({
        window: verdict('healthy'),
        cumulative: verdict('healthy'),
        last: false,
        noData: 'rollback',
      }).kind,
    ).toBe('wait');
    expect(
      decideCanary({
        window: verdict('inconclusive'),
        cumulative: verdict('healthy'),
        last: true,
        noData: 'rollback',
      }).kind,
    ).toBe('healthy');
  });

  it('follows the noData policy when the bake ends inconclusive', () => {
    // Prepare
    const input = {
      window: verdict('inconclusive'),
      cumulative: verdict('inconclusive', 'no requests reached the canary'),
      last: true,
    };

    // Act
    const rollback = decideCanary({ ...input, noData: 'rollback' });
    const promote = decideCanary({ ...input, noData: 'promote' });

    // Assess
    expect(rollback).toMatchObject({
      kind: 'unhealthy',
      verdict: { reason: 'no data: no requests reached the canary' },
    });
    expect(promote).toMatchObject({ kind: 'healthy', verdict: { result: 'inconclusive' } });
    expect(promote.verdict.reason).toMatch(/^no data: .*noData: promote/);
  });
});
