import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  CloudWatchAlarmStateChange,
  CodeBuildBuildStateChange,
  CodeCommitRepositoryStateChange,
  CodeDeployDeploymentStateChange,
  parseCodeBuildTime,
} from '../../../events/aws.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: documented samples, edited per test
    any
  >;

describe('AWS event schemas', () => {
  it('parses the documented CodeBuild Build State Change with its non-ISO dates and string phase context', () => {
    const event = CodeBuildBuildStateChange.parse(fixture('codebuild-build-state-change-succeeded'));

    expect(event.detail['build-status']).toBe('SUCCEEDED');
    expect(event.detail['current-phase-context']).toBe('[]');
    expect(event.detail['additional-information']['build-number']).toBe(55);
    expect(event.detail['additional-information'].phases).toHaveLength(11);
  });

  it('parses a failed build without a build number and keeps the failing phase context', () => {
    const event = CodeBuildBuildStateChange.parse(fixture('codebuild-build-state-change-failed'));

    const info = event.detail['additional-information'];
    expect(info['build-number']).toBeUndefined();
    expect(info.phases.find((p) => p['phase-status'] === 'FAILED')?.['phase-context']?.[0]).toMatch(
      /^YAML_FILE_ERROR/,
    );
  });

  it('refuses a CodeBuild event whose date is ISO, naming the field', () => {
    const sample = fixture('codebuild-build-state-change-succeeded');
    sample.detail['additional-information']['build-start-time'] = '2017-09-01T16:12:29Z';

    const result = CodeBuildBuildStateChange.safeParse(sample);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['detail', 'additional-information', 'build-start-time']);
  });

  it('reads CodeBuild dates as UTC, PM and 12 AM included', () => {
    expect(parseCodeBuildTime('Sep 1, 2017 4:12:29 PM')?.toISOString()).toBe('2017-09-01T16:12:29.000Z');
    expect(parseCodeBuildTime('Sep 13, 2019 12:05:00 AM')?.toISOString()).toBe('2019-09-13T00:05:00.000Z');
    expect(parseCodeBuildTime('Sep 13, 2019 12:05:00 PM')?.toISOString()).toBe('2019-09-13T12:05:00.000Z');
    expect(parseCodeBuildTime('2019-09-13')).toBeUndefined();
  });

  it('parses the documented CodeDeploy Deployment State-change Notification', () => {
    const event = CodeDeployDeploymentStateChange.parse(fixture('codedeploy-deployment-state-change'));

    expect(event.detail).toMatchObject({ deploymentId: 'd-123456789', state: 'SUCCESS' });
  });

  it('parses the documented CloudWatch Alarm State Change', () => {
    const event = CloudWatchAlarmStateChange.parse(fixture('cloudwatch-alarm-state-change'));

    expect(event.detail.state.value).toBe('ALARM');
    expect(event.detail.previousState?.value).toBe('OK');
  });

  it('refuses an event of another detail-type', () => {
    const result = CloudWatchAlarmStateChange.safeParse(fixture('codedeploy-deployment-state-change'));

    expect(result.success).toBe(false);
  });

  it('re-exports the CodeCommit schema', () => {
    expect(CodeCommitRepositoryStateChange.shape['detail-type']._zod.def.values[0]).toBe(
      'CodeCommit Repository State Change',
    );
  });
});
