import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TestCounts } from '../../../events/common.ts';
import { findFiles, isInside } from './find-files.ts';
import { type FailingTest, parseJUnit } from './junit-report.ts';
import type { ReportSpec } from './parse-buildspec.ts';

export interface CollectedReports {
  /** Totals over every report file; absent when no report file was found. */
  tests?: TestCounts;
  failing: FailingTest[];
  /** The report files read, relative to the source directory's report bases. */
  files: string[];
}

/**
 * Finds the report groups' JUnit files under the source directory and adds their results up.
 * A file that is not a JUnit report is told to `warn` and skipped: as in CodeBuild, a broken
 * report does not change the build's status.
 */
export async function collectReports(
  sourceDir: string,
  reports: readonly ReportSpec[],
  warn: (message: string) => void,
): Promise<CollectedReports> {
  const result: CollectedReports = { failing: [], files: [] };
  for (const report of reports) {
    const base = resolve(sourceDir, report.baseDirectory ?? '.');
    if (!isInside(sourceDir, base)) {
      warn(
        `report group ${report.name}: base-directory ${report.baseDirectory} is outside the source; skipped`,
      );
      continue;
    }
    const files = await findFiles(base, report.files);
    if (files.length === 0)
      warn(`report group ${report.name}: no report files matched ${report.files.join(', ')}`);
    for (const file of files) {
      try {
        const summary = parseJUnit(await readFile(join(base, file), 'utf8'));
        result.tests ??= { total: 0, passed: 0, failed: 0, skipped: 0 };
        const tests = result.tests;
        tests.total += summary.counts.total;
        tests.passed += summary.counts.passed;
        tests.failed += summary.counts.failed;
        tests.skipped += summary.counts.skipped;
        result.failing.push(...summary.failing);
        result.files.push(file);
      } catch (error) {
        warn(
          `report group ${report.name}: ${file} is not a JUnit XML report (${(error as Error).message}); skipped`,
        );
      }
    }
  }
  return result;
}

/** `cart › adds items — expected 3, received 4`, the form `BuildOutcome.failingTests` carries. */
export function describeFailingTest(test: FailingTest, maxMessage = 160): string {
  if (!test.message) return test.name;
  const message =
    test.message.length > maxMessage ? `${test.message.slice(0, maxMessage - 1)}…` : test.message;
  return `${test.name} — ${message}`;
}
