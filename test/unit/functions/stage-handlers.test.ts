import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DETAIL_TYPES, type PipelineEvent } from '../../../events/pipeline-events.ts';
import { makeStageHandlers } from '../../../functions/stage-handlers.ts';
import {
  type FunctionName,
  pipelineSubscribers,
  SCHEDULES,
  SUBSCRIPTIONS,
  subscribersOf,
} from '../../../functions/subscriptions.ts';
import { DEPLOYED } from '../../../serverless/functions.ts';
import { NotFoundError, TransientError, ValidationError } from '../../../shared/domain/errors.ts';
import { LocalBus } from '../../../shared/local/local-bus.ts';
import { MemoryRunStore } from '../../../shared/local/memory-run-store.ts';
import { createChoreography } from '../../support/choreography.ts';
import { pipelineConfig } from '../../support/runs.ts';

const ROOT = new URL('../../../', import.meta.url);

describe('makeStageHandlers', () => {
  const handlers = makeStageHandlers({
    ...createChoreography({ pipelines: [pipelineConfig()] }).deps,
    notifiers: async () => [],
  });

  it('gives every function subscribed to pipeline events an onEvent', () => {
    const subscribed = (Object.keys(SUBSCRIPTIONS) as FunctionName[]).filter(
      (name) => 'pipelineEvents' in SUBSCRIPTIONS[name],
    );
    expect(subscribed.length).toBeGreaterThan(5);
    expect(pipelineSubscribers()).toEqual(subscribed);
    for (const name of pipelineSubscribers()) expect(typeof handlers[name].onEvent).toBe('function');
  });

  it('gives every function on a clock an onTick, and each AWS-event function its entry point', () => {
    for (const name of Object.keys(SCHEDULES) as (keyof typeof SCHEDULES)[]) {
      expect(typeof handlers[name].onTick).toBe('function');
    }
    expect(typeof handlers['finish-build'].onOutcome).toBe('function');
    expect(typeof handlers['finish-deployment'].onOutcome).toBe('function');
    expect(typeof handlers['judge-canary'].onAlarm).toBe('function');
  });
});

describe('the Lambda roots', () => {
  const functions = [...Object.keys(SUBSCRIPTIONS), ...Object.keys(SCHEDULES)];

  it('deploy every subscribed or scheduled function, each with a handler of its own', () => {
    for (const name of functions) {
      expect(DEPLOYED).toHaveProperty(name);
      expect(existsSync(new URL(`functions/${name}/handler.ts`, ROOT))).toBe(true);
    }
  });

  it('take their handler from the function stage both modes share, never parsing by hand', () => {
    for (const name of functions.filter((n) => n !== 'receive-codecommit')) {
      const root = readFileSync(new URL(`functions/${name}/handler.ts`, ROOT), 'utf8');
      expect({ name, usesStage: /\b\w+Stage\(\{/.test(root) }).toEqual({ name, usesStage: true });
      expect({ name, parsesByHand: /safeParse\(/.test(root) }).toEqual({ name, parsesByHand: false });
    }
  });
});

describe('the local bus', () => {
  it('names the subscribed functions that have no handler, so local mode refuses to start without one', () => {
    const bus = new LocalBus<FunctionName>({ subscribers: subscribersOf, store: new MemoryRunStore() });
    const handlers = makeStageHandlers({
      ...createChoreography({ pipelines: [pipelineConfig()] }).deps,
      notifiers: async () => [],
    });
    for (const name of pipelineSubscribers().filter((n) => n !== 'rollback')) {
      bus.on(name, handlers[name].onEvent);
    }

    expect(bus.unregistered(DETAIL_TYPES)).toEqual(['rollback']);
    bus.on('rollback', handlers.rollback.onEvent);
    expect(bus.unregistered(DETAIL_TYPES)).toEqual([]);
  });
});

describe('the error policy of deploy-staging and start-canary (both modes)', () => {
  it('ends the run failed when staging cannot be deployed because of the pipeline file', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    flow.deployer.deploy = async () => {
      throw new ValidationError('staging.local.start is empty');
    };

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe('staging could not be deployed: staging.local.start is empty');
    expect(await flow.history(runId)).toEqual([
      'Run Started',
      'Build Started',
      'Tests Passed',
      'Run Finished',
    ]);
  });

  it('ends the run failed when the production deployment cannot start because a target is missing', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    flow.deployer.startCanary = async () => {
      throw new NotFoundError('deployment group web-production does not exist');
    };

    // Act
    const runId = await flow.push();
    await flow.settle();

    // Assess
    const run = await flow.run(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toBe(
      'the production deployment could not start: deployment group web-production does not exist',
    );
    expect(run.stages.canary.status).toBe('skipped');
  });

  it('throws any other error, for a retry, and leaves the run as it was', async () => {
    // Prepare
    const flow = createChoreography({ pipelines: [pipelineConfig()] });
    flow.deployer.deploy = async () => {
      throw new TransientError('CodeDeploy is throttling');
    };
    const handlers = makeStageHandlers({ ...flow.deps, notifiers: async () => [] });
    const runId = await flow.push();
    await flow.until(async () => (await flow.run(runId)).stages.build.status === 'succeeded');
    const entry = (await flow.store.log(runId)).find((e) => e.detailType === 'Tests Passed')!;
    const testsPassed = { detailType: entry.detailType, detail: entry.detail } as PipelineEvent;

    // Act / Assess
    await expect(handlers['deploy-staging'].onEvent(testsPassed)).rejects.toThrow('CodeDeploy is throttling');
    expect((await flow.run(runId)).status).toBe('running');
  });
});
