import { readFileSync } from 'node:fs';
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { checkKey } from '../../../functions/judge-canary/check-canary.ts';
import {
  atExpression,
  clientToken,
  EventBridgeScheduler,
  scheduleName,
} from '../../../shared/aws/eventbridge-scheduler.ts';
import { TransientError } from '../../../shared/domain/errors.ts';
import type { CanaryCheckTask } from '../../../shared/ports/scheduler.ts';

const scheduler = mockClient(SchedulerClient);
const client = new SchedulerClient({ region: 'us-east-1' });
const NOW = new Date('2025-03-14T09:27:00.250Z');
const TARGET = 'arn:aws:lambda:us-east-1:123456789012:function:pushline-prod-judge-canary';
const ROLE = 'arn:aws:iam::123456789012:role/pushline-prod-scheduler';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:pushline-prod-SchedulerDeadLetterQueue-1A2B3C';
const task: CanaryCheckTask = {
  kind: 'canary-check',
  runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
  attempt: 1,
  deploymentId: 'd-QA4G4F9EX',
  check: 2,
};
const created = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/scheduler-create-schedule.json', import.meta.url), 'utf8'),
);

describe('EventBridgeScheduler', () => {
  const adapter = new EventBridgeScheduler({
    client,
    targetArn: TARGET,
    roleArn: ROLE,
    groupName: 'pushline-prod',
    deadLetterArn: DLQ,
    clock: { now: () => NOW },
  });

  beforeEach(() => {
    scheduler.reset();
    scheduler.on(CreateScheduleCommand).resolves(created);
  });

  it('creates a one-time schedule that invokes judge-canary with the task, then deletes itself', async () => {
    await adapter.schedule({ key: checkKey(task), at: new Date('2025-03-14T09:29:00.000Z'), task });

    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toEqual({
      Name: 'canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2',
      GroupName: 'pushline-prod',
      ScheduleExpression: 'at(2025-03-14T09:29:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: 'Pushline canary-check of run 01JP9ZMQ6R7C0VV1EG6MGAF6HH',
      ClientToken: clientToken('canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2', 'pushline-prod'),
      Target: {
        Arn: TARGET,
        RoleArn: ROLE,
        Input: JSON.stringify(task),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
  });

  it('sends a client token Scheduler accepts for any name, dots included, the same on every retry', async () => {
    // CreateSchedule: Name allows [0-9a-zA-Z-_.]{1,64}; ClientToken only [a-zA-Z0-9-_]{1,64}.
    const TOKEN = /^[a-zA-Z0-9-_]{1,64}$/;
    for (const key of ['canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1', 'k', 'run/1 check:2', `x.${'y'.repeat(90)}`]) {
      await adapter.schedule({ key, at: NOW, task });
      await adapter.schedule({ key, at: NOW, task });
    }

    const inputs = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    for (const input of inputs) {
      expect(input.Name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
      expect(input.ClientToken).toMatch(TOKEN);
    }
    expect(inputs[0]!.Name).toBe('canary.01JP9ZMQ6R7C0VV1EG6MGAF6HH.1');
    expect(inputs[0]!.ClientToken).toBe(inputs[1]!.ClientToken);
    expect(new Set(inputs.map((input) => input.ClientToken)).size).toBe(4);
  });

  it('takes a schedule that already exists as scheduled', async () => {
    scheduler.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule canary-… already exists.',
        Message: 'Schedule canary-… already exists.',
        $metadata: {},
      }),
    );

    await expect(adapter.schedule({ key: checkKey(task), at: NOW, task })).resolves.toBeUndefined();
  });

  it('moves a time in the past to a few seconds from now', async () => {
    await adapter.schedule({ key: checkKey(task), at: new Date('2025-03-14T08:00:00Z'), task });

    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.ScheduleExpression).toBe(
      'at(2025-03-14T09:27:16)',
    );
  });

  it('throws TransientError on throttling and passes a refused request on as it is', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .rejectsOnce(
        new ValidationException({ message: 'Invalid RoleArn', Message: 'Invalid RoleArn', $metadata: {} }),
      );

    await expect(adapter.schedule({ key: 'k', at: NOW, task })).rejects.toBeInstanceOf(TransientError);
    await expect(adapter.schedule({ key: 'k', at: NOW, task })).rejects.toBeInstanceOf(ValidationException);
  });

  it('sends no group or dead-letter queue when none is configured', async () => {
    const plain = new EventBridgeScheduler({
      client,
      targetArn: TARGET,
      roleArn: ROLE,
      clock: { now: () => NOW },
    });

    await plain.schedule({ key: 'k', at: new Date('2025-03-14T10:00:00Z'), task });

    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input.GroupName).toBeUndefined();
    expect(input.Target?.DeadLetterConfig).toBeUndefined();
  });
});

describe('scheduleName and atExpression', () => {
  it('keeps a valid key and hashes one Scheduler would refuse, deterministically, within 64 characters', () => {
    const long = `canary-${'x'.repeat(80)}`;

    expect(scheduleName('canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2-r1')).toBe(
      'canary-01JP9ZMQ6R7C0VV1EG6MGAF6HH-1-2-r1',
    );
    expect(scheduleName(long)).toHaveLength(64);
    expect(scheduleName(long)).toBe(scheduleName(long));
    expect(scheduleName('run/1 check:2')).toMatch(/^run-1-check-2-[0-9a-f]{16}$/);
    expect(scheduleName('a/b')).not.toBe(scheduleName('a:b'));
  });

  it('rounds up to the whole second, in UTC', () => {
    expect(atExpression(new Date('2025-03-14T09:27:00.000Z'))).toBe('at(2025-03-14T09:27:00)');
    expect(atExpression(new Date('2025-03-14T09:27:00.001Z'))).toBe('at(2025-03-14T09:27:01)');
    expect(atExpression(new Date('2025-12-31T23:59:59.500Z'))).toBe('at(2026-01-01T00:00:00)');
  });
});
