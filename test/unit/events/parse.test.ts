import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parsePipelineEvent } from '../../../events/index.ts';
import { EventValidationError, ValidationError } from '../../../shared/domain/errors.ts';

function sampleDetail(file: string): Record<string, unknown> {
  const url = new URL(`../../../events/samples/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { detail: Record<string, unknown> }).detail;
}

/** Runs `parse` and returns the error it throws (the test fails when it throws nothing). */
function errorOf(parse: () => unknown): EventValidationError {
  try {
    parse();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('expected parsePipelineEvent to throw');
}

describe('parsePipelineEvent', () => {
  it('fills the defaults of an event that omits them', () => {
    // Prepare: attempt and the artifacts are optional on the wire
    const { attempt: _attempt, ...detail } = sampleDetail('tests-passed.json');
    const data = detail.data as Record<string, unknown>;
    const { artifacts: _artifacts, ...bare } = data;

    // Act
    const event = parsePipelineEvent('Tests Passed', { ...detail, data: bare });

    // Assess
    expect(event.detail.attempt).toBe(1);
    expect(event.detailType === 'Tests Passed' && event.detail.data.artifacts).toEqual({
      files: [],
      exportedVariables: {},
    });
  });

  it('refuses an unknown detail-type and names it', () => {
    // Act
    const error = errorOf(() => parsePipelineEvent('Build Exploded', sampleDetail('build-started.json')));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.expose).toBe(true);
    expect(error.message).toBe('unknown detail-type "Build Exploded"');
    expect(error.context).toEqual({ detailType: 'Build Exploded' });
  });

  it('refuses a detail-type that is not a string', () => {
    // Act
    const error = errorOf(() => parsePipelineEvent(42, sampleDetail('build-started.json')));

    // Assess
    expect(error.message).toBe('unknown detail-type 42');
  });

  it('names the path of a wrong field deep inside the detail', () => {
    // Prepare
    const detail = sampleDetail('tests-passed.json');
    const data = detail.data as { tests: Record<string, unknown> };
    data.tests.total = 'four hundred';

    // Act
    const error = errorOf(() => parsePipelineEvent('Tests Passed', detail));

    // Assess
    expect(error.message).toMatch(/^invalid "Tests Passed" detail: data\.tests\.total: /);
    expect(error.message).toContain('expected number');
    expect(error.cause).toBeDefined();
  });

  it('names the path of a bad commit id inside the source push', () => {
    // Prepare
    const detail = sampleDetail('run-started.json');
    (detail.source as Record<string, unknown>).commit = 'not-a-sha';

    // Act
    const error = errorOf(() => parsePipelineEvent('Run Started', detail));

    // Assess
    expect(error.message).toContain('source.commit: must be a 40-character hexadecimal commit id');
  });

  it('lists every problem, each with its path, separated by semicolons', () => {
    // Prepare
    const detail = sampleDetail('canary-started.json');
    delete detail.runId;
    (detail.data as Record<string, unknown>).trafficPercent = 140;
    detail.stage = 'build';

    // Act
    const error = errorOf(() => parsePipelineEvent('Canary Started', detail));

    // Assess
    const problems = error.message.replace(/^invalid "Canary Started" detail: /, '').split('; ');
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['data.trafficPercent', 'runId', 'stage']);
  });

  it('names the index of a bad entry in an array', () => {
    // Prepare
    const detail = sampleDetail('canary-unhealthy.json');
    const verdict = (detail.data as { verdict: { metrics: Record<string, unknown>[] } }).verdict;
    verdict.metrics[1]!.result = 'meh';

    // Act
    const error = errorOf(() => parsePipelineEvent('Canary Unhealthy', detail));

    // Assess
    expect(error.message).toContain('data.verdict.metrics.1.result: ');
  });

  it('says (root) when the detail is not an object at all', () => {
    // Act
    const error = errorOf(() => parsePipelineEvent('Run Finished', 'done'));

    // Assess
    expect(error.message).toMatch(/^invalid "Run Finished" detail: \(root\): /);
  });

  it('refuses a Run Finished with an outcome the run cannot have', () => {
    // Prepare
    const detail = sampleDetail('run-finished.json');
    (detail.data as Record<string, unknown>).outcome = 'exploded';

    // Act
    const error = errorOf(() => parsePipelineEvent('Run Finished', detail));

    // Assess
    expect(error.message).toContain('data.outcome: ');
  });
});
