import { createHash } from 'node:crypto';
import { CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { ScheduleRequest, Scheduler } from '../ports/scheduler.ts';
import { asTransientAws } from './aws-errors.ts';

export interface EventBridgeSchedulerOptions {
  client: SchedulerClient;
  /** The function that runs the tasks (judge-canary): the schedules' target. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the target (lambda:InvokeFunction on it). */
  roleArn: string;
  /** A schedule group of the stack's own, so that IAM can scope CreateSchedule to it. */
  groupName?: string;
  /** Where Scheduler sends a task it could not deliver after its retries. */
  deadLetterArn?: string;
  clock?: Clock;
}

/** A name Scheduler accepts: `[0-9a-zA-Z-_.]+`, at most 64 characters. */
const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
/** Scheduler refuses an `at()` in the past; "as soon as it can" is a few seconds from now. */
const SOON_MS = 15_000;

/**
 * The `Scheduler` on AWS: one EventBridge Scheduler one-time schedule per task —
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC, no flexible window, deleted once it has run
 * (`ActionAfterCompletion: DELETE`) — whose target is the task's function, invoked with the task
 * as its input. Scheduler invokes within the minute of the time given.
 *
 * Idempotent by key: the schedule's name is the key, and `ConflictException` (a schedule of that
 * name exists) means it is already scheduled. Once a schedule has run it is deleted, so the same
 * key scheduled again later runs again: the port's delivery is at-least-once and a canary check
 * tolerates it. A time in the past (a check re-armed late) is moved to a few seconds from now.
 */
export class EventBridgeScheduler implements Scheduler {
  private readonly options: EventBridgeSchedulerOptions;
  private readonly clock: Clock;

  constructor(options: EventBridgeSchedulerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  async schedule({ key, at, task }: ScheduleRequest): Promise<void> {
    const { client, targetArn, roleArn, groupName, deadLetterArn } = this.options;
    const name = scheduleName(key);
    const soon = this.clock.now().getTime() + SOON_MS;
    const when = new Date(Math.max(at.getTime(), soon));
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: name,
          ...(groupName ? { GroupName: groupName } : {}),
          ScheduleExpression: atExpression(when),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Description: `Pushline ${task.kind} of run ${task.runId}`,
          // A retried request (an SDK retry after a lost response) is the same request.
          ClientToken: clientToken(name, groupName),
          Target: {
            Arn: targetArn,
            RoleArn: roleArn,
            Input: JSON.stringify(task),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
            ...(deadLetterArn ? { DeadLetterConfig: { Arn: deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConflictException') return;
      throw asTransientAws(error, 'EventBridge Scheduler CreateSchedule');
    }
  }
}

/**
 * The idempotency token of a schedule's creation: Scheduler allows `[a-zA-Z0-9-_]{1,64}` — not
 * the `.` a name may hold — so the token is the SHA-256 of the group and name, in hex (64
 * characters): the same for every retry of one schedule, different for any other.
 */
export function clientToken(name: string, groupName = 'default'): string {
  return createHash('sha256').update(`${groupName}/${name}`).digest('hex');
}

/** `at(2025-03-14T09:27:00)`: UTC, whole seconds rounded up (never earlier than asked). */
export function atExpression(when: Date): string {
  const seconds = new Date(Math.ceil(when.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/** The key itself when Scheduler accepts it as a name; otherwise a readable prefix and a hash. */
export function scheduleName(key: string): string {
  if (NAME.test(key)) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const prefix = key.replace(/[^0-9a-zA-Z_.-]/g, '-').slice(0, 64 - hash.length - 1);
  return `${prefix}-${hash}`;
}
