import { describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../../../../events/pipeline-events.ts';
import { JsonLogger } from '../../../../../shared/aws/lambda/json-logger.ts';
import {
  pipelineFileFromEnv,
  pipelineLookup,
  readLambdaEnv,
} from '../../../../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventHandler } from '../../../../../shared/aws/lambda/pipeline-event-handler.ts';
import { ConfigError, EventValidationError } from '../../../../../shared/domain/errors.ts';
import { sampleEnvelope } from '../../../../contract/aws/support/events.ts';

function recorder() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: new JsonLogger({ function: 'test' }, (line) => lines.push(JSON.parse(line))) };
}
const context = { awsRequestId: 'req-1' };

describe('pipelineEventHandler', () => {
  it('hands the parsed event to the handler with a logger keyed by the event', async () => {
    const { lines, logger } = recorder();
    const seen: PipelineEvent[] = [];
    const handler = pipelineEventHandler(logger, async (event, log) => {
      seen.push(event);
      log.info('handled');
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
    });
  });

  it('throws on a malformed detail or a foreign source, so the event ends in the DLQ', async () => {
    const { lines, logger } = recorder();
    const handler = pipelineEventHandler(logger, async () => {});
    const envelope = sampleEnvelope('tests-passed');

    await expect(
      handler({ ...envelope, detail: { ...envelope.detail, runId: '' } } as never, context as never),
    ).rejects.toBeInstanceOf(EventValidationError);
    await expect(
      handler({ ...envelope, source: 'aws.codebuild' } as never, context as never),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect(lines[0]).toMatchObject({ level: 'ERROR', message: 'malformed pipeline event' });
  });

  it('lets a failing handler throw (Lambda retries it) and logs the error', async () => {
    const { lines, logger } = recorder();
    const handler = pipelineEventHandler(logger, async () => {
      throw new Error('CodeBuild is down');
    });

    await expect(handler(sampleEnvelope('run-started') as never, context as never)).rejects.toThrow(
      'CodeBuild is down',
    );
    expect(lines.at(-1)).toMatchObject({
      level: 'ERROR',
      error: { name: 'Error', message: 'CodeBuild is down' },
    });
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
    expect(() => readLambdaEnv({ PUSHLINE_PIPELINES: pipelines })).toThrow(/PUSHLINE_TABLE/);
    const bad = readLambdaEnv({
      PUSHLINE_TABLE: 'pushline-prod',
      PUSHLINE_PIPELINES: '{"pipelines":[{"name":"Web"}]}',
    });
    expect(() => pipelineFileFromEnv(bad)).toThrow(ConfigError);
    expect(() => pipelineFileFromEnv(bad)).toThrow(/pipelines\.0\.name/);
  });
});
