import {
  BatchGetBuildsCommand,
  BatchGetReportsCommand,
  type Build,
  type BuildPhase,
  type CodeBuildClient,
  DescribeTestCasesCommand,
  type Report,
} from '@aws-sdk/client-codebuild';
import type { CodeBuildBuildStateChange } from '../../events/aws/codebuild.ts';
import type { TestCounts } from '../../events/common.ts';
import type { BuildOutcome } from '../ports/builder.ts';
import { asTransientAws } from './aws-errors.ts';
import { BUILD_ENV, buildIdFromArn } from './codebuild-ids.ts';

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);
/** Enough failing test names for a Slack message; the rest are counted, not listed. */
const MAX_FAILING_TESTS = 50;

/** Whether a state-change event is about a finished build (IN_PROGRESS ones are not). */
export function isFinished(event: CodeBuildBuildStateChange): boolean {
  return FINISHED.has(event.detail['build-status']);
}

/** The run id a build carries in its environment, if Pushline started it. */
export function runIdOfEvent(event: CodeBuildBuildStateChange): string | undefined {
  const vars = event.detail['additional-information'].environment?.['environment-variables'] ?? [];
  return vars.find((v) => v.name === BUILD_ENV.runId)?.value;
}

/**
 * Reads what a finished CodeBuild build says: the state-change event only tells that it ended,
 * so the details come from `BatchGetBuilds` (status, failing phase and its context such as
 * `YAML_FILE_ERROR`, exported variables, artifacts, duration) and `BatchGetReports` (test totals),
 * with `DescribeTestCases` for the names of failing tests.
 *
 * Returns `undefined` for a build that is not finished, is gone, or carries no `PUSHLINE_RUN_ID`
 * (Pushline did not start it).
 */
export class CodeBuildOutcomeReader {
  private readonly client: CodeBuildClient;

  constructor({ client }: { client: CodeBuildClient }) {
    this.client = client;
  }

  async read(event: CodeBuildBuildStateChange): Promise<BuildOutcome | undefined> {
    if (!isFinished(event)) return undefined;
    const buildId = buildIdFromArn(event.detail['build-id']);
    const build = await this.build(buildId);
    const runId = build?.environment?.environmentVariables?.find((v) => v.name === BUILD_ENV.runId)?.value;
    if (!build || !runId) return undefined;
    const status = (build.buildStatus ?? event.detail['build-status']) as BuildOutcome['status'];
    const failed = failingPhase(build.phases ?? []);
    const { tests, failingTests } = await this.tests(build.reportArns ?? []);
    return {
      buildId,
      runId,
      status,
      ...(status !== 'SUCCEEDED' ? failure(status, failed, build) : {}),
      ...(tests ? { tests } : {}),
      failingTests,
      artifacts: {
        ...(build.artifacts?.location ? { location: build.artifacts.location } : {}),
        files: [],
        exportedVariables: Object.fromEntries(
          (build.exportedEnvironmentVariables ?? []).map((v) => [v.name ?? '', v.value ?? '']),
        ),
      },
      ...(build.startTime && build.endTime
        ? { durationSeconds: Math.round((build.endTime.getTime() - build.startTime.getTime()) / 1000) }
        : {}),
    };
  }

  private async build(id: string): Promise<Build | undefined> {
    try {
      const { builds } = await this.client.send(new BatchGetBuildsCommand({ ids: [id] }));
      return builds?.[0];
    } catch (error) {
      throw asTransientAws(error, 'CodeBuild BatchGetBuilds');
    }
  }

  /** Test totals over the build's test reports (coverage reports have none), and failing test names. */
  private async tests(reportArns: string[]): Promise<{ tests?: TestCounts; failingTests: string[] }> {
    if (reportArns.length === 0) return { failingTests: [] };
    let reports: Report[];
    try {
      // BatchGetReports takes at most 100 ARNs; a build has a handful of report groups.
      ({ reports = [] } = await this.client.send(
        new BatchGetReportsCommand({ reportArns: reportArns.slice(0, 100) }),
      ));
    } catch (error) {
      throw asTransientAws(error, 'CodeBuild BatchGetReports');
    }
    const testReports = reports.filter((r) => r.type !== 'CODE_COVERAGE' && r.testSummary);
    if (testReports.length === 0) return { failingTests: [] };
    const sum = (status: string) =>
      testReports.reduce((n, r) => n + (r.testSummary?.statusCounts?.[status] ?? 0), 0);
    const total = testReports.reduce((n, r) => n + (r.testSummary?.total ?? 0), 0);
    const passed = sum('SUCCEEDED');
    const failed = sum('FAILED') + sum('ERROR');
    const tests = { total, passed, failed, skipped: Math.max(0, total - passed - failed) };
    const failingTests: string[] = [];
    for (const report of testReports) {
      const counts = report.testSummary?.statusCounts ?? {};
      for (const status of ['FAILED', 'ERROR'] as const) {
        if (!counts[status] || !report.arn) continue;
        failingTests.push(
          ...(await this.failingCases(report.arn, status, MAX_FAILING_TESTS - failingTests.length)),
        );
      }
    }
    return { tests, failingTests };
  }

  private async failingCases(reportArn: string, status: 'FAILED' | 'ERROR', room: number): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    while (names.length < room) {
      try {
        const page = await this.client.send(
          new DescribeTestCasesCommand({
            reportArn,
            filter: { status },
            maxResults: Math.min(100, room - names.length),
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        for (const test of page.testCases ?? []) {
          names.push(test.prefix ? `${test.prefix} › ${test.name}` : String(test.name));
        }
        nextToken = page.nextToken;
      } catch (error) {
        throw asTransientAws(error, 'CodeBuild DescribeTestCases');
      }
      if (!nextToken) break;
    }
    return names.slice(0, room);
  }
}

/** The first phase that did not succeed (COMPLETED has no status). */
function failingPhase(phases: BuildPhase[]): BuildPhase | undefined {
  return phases.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED' && p.phaseType !== 'COMPLETED');
}

/** The failing phase and a reason a person can act on: the phase's own context first. */
function failure(status: BuildOutcome['status'], phase: BuildPhase | undefined, build: Build) {
  const context = (phase?.contexts ?? [])
    .filter((c) => c.statusCode || c.message)
    .map((c) => [c.statusCode, c.message].filter(Boolean).join(': '))
    .join('; ');
  const fallback: Record<string, string> = {
    FAILED: phase ? `phase ${phase.phaseType} failed` : 'build failed',
    FAULT: 'CodeBuild had an internal fault',
    STOPPED: 'build was stopped',
    TIMED_OUT: `build timed out${build.timeoutInMinutes ? ` after ${build.timeoutInMinutes} minutes` : ''}`,
  };
  return {
    ...(phase?.phaseType ? { phase: phase.phaseType } : {}),
    reason: context || fallback[status] || `build ${status}`,
  };
}
