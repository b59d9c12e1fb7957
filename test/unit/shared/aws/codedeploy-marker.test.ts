import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { markerDescription, parseMarker, sameRequest } from '../../../../shared/aws/codedeploy-marker.ts';
import { s3Location } from '../../../../shared/aws/codedeploy-revision.ts';
import { SMOKE_HOOKS, smokeChecksOf, smokeHookOf } from '../../../../shared/aws/codedeploy-smoke-checks.ts';
import { CodeDeployTarget } from '../../../../shared/domain/pipeline-config.ts';

const COMMIT = '7c3f9a1e5b2d4c8f0a6e9b1d3f5a7c9e2b4d6f80';

describe('the deployment marker', () => {
  it('reads back what it wrote, for any run, attempt, environment and versions', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Z]{26}$/),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom('staging' as const, 'production' as const),
        fc.option(fc.stringMatching(/^[0-9]{1,4}$/), { nil: undefined }),
        fc.option(fc.stringMatching(/^[0-9]{1,4}$/), { nil: undefined }),
        (runId, attempt, environment, currentVersion, targetVersion) => {
          const marker = {
            runId,
            attempt,
            environment,
            ...(currentVersion ? { currentVersion } : {}),
            ...(targetVersion ? { targetVersion } : {}),
          };
          const description = markerDescription(marker, COMMIT);
          expect(parseMarker(description)).toEqual(marker);
          expect(description.length).toBeLessThan(160);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds no marker in a description Pushline did not write, or one that is damaged', () => {
    expect(parseMarker(undefined)).toBeUndefined();
    expect(parseMarker('hotfix by hand')).toBeUndefined();
    expect(parseMarker('[pushline run=01J attempt=0 env=staging]')).toBeUndefined();
    expect(parseMarker('[pushline run=01J attempt=1 env=qa]')).toBeUndefined();
    expect(parseMarker('[pushline attempt=1 env=staging]')).toBeUndefined();
  });

  it('compares requests by run, attempt and environment only', () => {
    const staging = { runId: 'r', attempt: 1, environment: 'staging' as const };

    expect(sameRequest(staging, { ...staging, currentVersion: '3' })).toBe(true);
    expect(sameRequest(staging, { ...staging, attempt: 2 })).toBe(false);
    expect(sameRequest(staging, { ...staging, environment: 'production' })).toBe(false);
  });
});

describe('s3Location', () => {
  it('reads s3:// URLs, CodeBuild ARNs and bare keys in a default bucket', () => {
    expect(s3Location('s3://artifacts/web/1.zip')).toEqual({ bucket: 'artifacts', key: 'web/1.zip' });
    expect(s3Location('arn:aws:s3:::artifacts/web/1.zip')).toEqual({ bucket: 'artifacts', key: 'web/1.zip' });
    expect(s3Location('arn:aws-cn:s3:::artifacts/web/1.zip')).toEqual({
      bucket: 'artifacts',
      key: 'web/1.zip',
    });
    expect(s3Location('web/1.zip', 'pushline-artifacts')).toEqual({
      bucket: 'pushline-artifacts',
      key: 'web/1.zip',
    });
  });

  it('refuses local paths and keys without a bucket', () => {
    expect(s3Location('/tmp/build/out')).toBeUndefined();
    expect(s3Location('/tmp/build/out', 'pushline-artifacts')).toBeUndefined();
    expect(s3Location('web/1.zip')).toBeUndefined();
    expect(s3Location('https://example.com/1.zip', 'b')).toBeUndefined();
    expect(s3Location(undefined, 'b')).toBeUndefined();
  });
});

describe('smoke checks of a target (read defensively)', () => {
  const ecs = CodeDeployTarget.parse({ application: 'a', deploymentGroup: 'g', platform: 'ECS' });

  it('reads the proposed smokeChecks key with its defaults', () => {
    const target = { ...ecs, smokeChecks: [{ url: 'https://test.example.com/healthz' }] };

    expect(smokeChecksOf(target as never)).toEqual([
      { url: 'https://test.example.com/healthz', expectStatus: 200, timeoutSeconds: 10 },
    ]);
  });

  it('reads no checks, rather than failing, when the key is absent or malformed', () => {
    expect(smokeChecksOf(ecs)).toEqual([]);
    expect(smokeChecksOf(undefined)).toEqual([]);
    expect(smokeChecksOf({ ...ecs, smokeChecks: 'https://x' } as never)).toEqual([]);
    expect(smokeChecksOf({ ...ecs, smokeChecks: [{ url: 'ftp://x.example.com' }] } as never)).toEqual([]);
  });

  it('picks the hook per platform, and honours a smokeHook the platform has', () => {
    const lambda = { ...ecs, platform: 'Lambda' as const };

    expect(smokeHookOf(ecs)).toBe('AfterAllowTestTraffic');
    expect(smokeHookOf(lambda)).toBe('AfterAllowTraffic');
    expect(smokeHookOf({ ...lambda, smokeHook: 'BeforeAllowTraffic' } as never)).toBe('BeforeAllowTraffic');
    expect(smokeHookOf({ ...lambda, smokeHook: 'AfterAllowTestTraffic' } as never)).toBe('AfterAllowTraffic');
    expect(smokeHookOf({ ...ecs, platform: 'Server' })).toBeUndefined();
    expect(SMOKE_HOOKS.ECS).toContain(smokeHookOf(ecs));
  });
});
