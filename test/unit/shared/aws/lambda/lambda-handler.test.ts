import { describe, expect, it } from '@jest/globals';
import { CodeBuildBuildStateChange } from '../../../../../events/aws/codebuild.ts';
import type { PipelineEvent } from '../../../../../events/pipeline-events.ts';
import { JsonLogger } from '../../../../../shared/aws/lambda/json-logger.ts';
import {
  pipelineFileFromEnv,
  pipelineLookup,
  readLambdaEnv,
} from '../../../../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler, pipelineEventLambda } from '../../../../../shared/aws/lambda/lambda-handler.ts';
import { judgeCanaryInput, parseWith } from '../../../../../shared/aws/lambda/lambda-inputs.ts';
import { ConfigError, EnvironmentError, EventValidationError } from '../../../../../shared/domain/errors.ts';
import { awsFixture as awsEvent } from '../../../../contract/aws/support/aws-shapes.ts';
import { sampleEnvelope } from '../../../../contract/aws/support/events.ts';

function recorder() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: new JsonLogger({ function: 'test' }, (line) => lines.push(JSON.parse(line))) };
}
const context = { awsRequestId: 'req-1' };

describe('pipelineEventLambda', () => {
  it('hands the parsed event to the handler with a logger keyed by the request and the event', async () => {
    const { lines, logger } = recorder();
    const seen: PipelineEvent[] = [];
    const handler = pipelineEventLambda(logger, async (event, context) => {
      seen.push(event);
      context?.logger?.info('handled');
    });
    const envelope = sampleEnvelope('tests-passed');

    await handler(envelope as never, context as never);

    expect(seen[0]).toMatchObject({
      detailType: 'Tests Passed',
      detail: { eventId: envelope.detail.eventId },
    });
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'handled',
      function: 'test',
      requestId: 'req-1',
      detailType: 'Tests Passed',
      eventId: envelope.detail.eventId,
      runId: envelope.detail.runId,
    });
  });

  it('keys each invocation by its own request id (the logger is not captured at cold start)', async () => {
    const { lines, logger } = recorder();
    const handler = pipelineEventLambda(logger, async (_event, context) => {
      context?.logger?.info('handled');
    });

    await handler(sampleEnvelope('run-started') as never, { awsRequestId: 'req-1' } as never);
    await handler(sampleEnvelope('run-started') as never, { awsRequestId: 'req-2' } as never);

    expect(lines.map((line) => line.requestId)).toEqual(['req-1', 'req-2']);
  });

  it('throws on a malformed detail or a foreign source, so the event ends in the DLQ', async () => {
    const { lines, logger } = recorder();
    const handler = pipelineEventLambda(logger, async () => {});
    const envelope = sampleEnvelope('tests-passed');

    await expect(
      handler({ ...envelope, detail: { ...envelope.detail, runId: '' } } as never, context as never),
    ).rejects.toBeInstanceOf(EventValidationError);
    await expect(
      handler({ ...envelope, source: 'aws.codebuild' } as never, context as never),
    ).rejects.toThrow('expected source pushline, got "aws.codebuild"');
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'malformed input; not handled',
      requestId: 'req-1',
      error: { name: 'EventValidationError', message: expect.stringContaining('runId') },
    });
  });

  it('lets a failing handler throw (Lambda retries it) and logs the error once', async () => {
    const { lines, logger } = recorder();
    const handler = pipelineEventLambda(logger, async () => {
      throw new Error('CodeBuild is down');
    });

    await expect(handler(sampleEnvelope('run-started') as never, context as never)).rejects.toThrow(
      'CodeBuild is down',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'handler failed; Lambda will retry',
      detailType: 'Run Started',
      error: { name: 'Error', message: 'CodeBuild is down' },
    });
  });
});

describe('lambdaHandler with an AWS event parser', () => {
  const parse = parseWith(CodeBuildBuildStateChange, 'CodeBuild Build State Change');

  it('hands the handler the typed event and what it returns back to Lambda', async () => {
    const { logger } = recorder();
    const handler = lambdaHandler(logger, parse, async (event) => event.detail['build-status']);

    const result = await handler(
      awsEvent('codebuild-build-state-change-succeeded') as never,
      context as never,
    );

    expect(result).toBe('SUCCEEDED');
  });

  it('refuses an event that does not match its documented shape, naming the path', async () => {
    const { logger } = recorder();
    let called = false;
    const handler = lambdaHandler(logger, parse, async () => {
      called = true;
    });
    const event = awsEvent('codebuild-build-state-change-succeeded') as { detail: Record<string, unknown> };

    await expect(
      handler({ ...event, detail: { ...event.detail, 'build-id': 42 } } as never, context as never),
    ).rejects.toThrow(/^invalid CodeBuild Build State Change: detail\.build-id: /);
    expect(called).toBe(false);
  });
});

describe('judgeCanaryInput', () => {
  it('tells a scheduled check, an alarm and a pipeline event apart', () => {
    const task = { kind: 'canary-check', runId: '01J0', attempt: 1, deploymentId: 'd-1', check: 2 };
    const alarm = awsEvent('cloudwatch-alarm-state-change') as { detail: { alarmName: string } };

    expect(judgeCanaryInput(task)).toEqual({ kind: 'check', task });
    expect(judgeCanaryInput(alarm)).toMatchObject({ kind: 'alarm', alarmName: alarm.detail.alarmName });
    expect(judgeCanaryInput(sampleEnvelope('canary-started'))).toMatchObject({
      kind: 'event',
      event: { detailType: 'Canary Started' },
    });
  });

  it('refuses a check task that lost a field, naming it', () => {
    expect(() => judgeCanaryInput({ kind: 'canary-check', runId: '01J0', attempt: 0, check: 1 })).toThrow(
      /^invalid canary-check task: attempt: .*; deploymentId: /,
    );
  });
});

describe('the Lambda environment', () => {
  const pipelines = JSON.stringify({ pipelines: [{ name: 'web', source: { github: 'acme/web' } }] });

  it('reads the table, the stage and the pipeline file, with every default applied', () => {
    const env = readLambdaEnv({
      PUSHLINE_TABLE: 'pushline-prod',
      PUSHLINE_PIPELINES: pipelines,
      PUSHLINE_STAGE: 'prod',
    });
    const lookup = pipelineLookup(pipelineFileFromEnv(env));

    expect(env).toMatchObject({ PUSHLINE_TABLE: 'pushline-prod', PUSHLINE_SECRETS_PREFIX: '/pushline/' });
    expect(lookup('web')?.concurrency).toBe('supersede');
    expect(lookup('api')).toBeUndefined();
  });

  it('fails at cold start, naming what is missing or wrong', () => {
    expect(() => readLambdaEnv({ PUSHLINE_PIPELINES: pipelines })).toThrow(EnvironmentError);
    expect(() => readLambdaEnv({ PUSHLINE_PIPELINES: pipelines })).toThrow(
      "the function's environment is incomplete: PUSHLINE_TABLE: ",
    );
    const bad = readLambdaEnv({
      PUSHLINE_TABLE: 'pushline-prod',
      PUSHLINE_PIPELINES: '{"pipelines":[{"name":"Web"}]}',
    });
    expect(() => pipelineFileFromEnv(bad)).toThrow(ConfigError);
    expect(() => pipelineFileFromEnv(bad)).toThrow(/pipelines\.0\.name/);
  });
});
