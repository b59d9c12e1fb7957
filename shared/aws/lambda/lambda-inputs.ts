import type * as z from 'zod';
import { CloudWatchAlarmStateChange } from '../../../events/aws/cloudwatch.ts';
import { formatIssues, parsePipelineEvent } from '../../../events/parse.ts';
import { EVENT_SOURCE, type PipelineEvent } from '../../../events/pipeline-events.ts';
import { CanaryCheckTask } from '../../../events/scheduled-tasks.ts';
import { EventValidationError } from '../../domain/errors.ts';

/**
 * The parsers of what invokes a Pushline Lambda, one per kind of input. Each turns the raw input
 * into a typed value or throws an `EventValidationError` that says what is wrong and where; the
 * `parseInput` middleware runs them at the edge, so no composition root parses by hand.
 */

/** An event as EventBridge hands it to a Lambda target. */
export interface EventBridgeEnvelope {
  id?: string;
  'detail-type': string;
  source: string;
  time?: string;
  detail: unknown;
}

/** A schema of the catalogue (zod or zod/mini): anything with `safeParse`. */
interface Schema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: z.core.$ZodIssue[] } };
}

/** A parser of `what` by its schema: `invalid CodeBuild Build State Change: detail.build-id: …`. */
export function parseWith<T>(schema: Schema<T>, what: string): (raw: unknown) => T {
  return (raw) => {
    const result = schema.safeParse(raw);
    if (!result.success)
      throw new EventValidationError(`invalid ${what}: ${formatIssues(result.error.issues)}`);
    return result.data;
  };
}

/** A pipeline event from the Pushline bus: source `pushline`, a known detail-type, its schema. */
export function pipelineEnvelope(raw: unknown): PipelineEvent {
  const envelope = raw as Partial<EventBridgeEnvelope> | null;
  if (envelope?.source !== EVENT_SOURCE) {
    throw new EventValidationError(
      `expected source ${EVENT_SOURCE}, got ${JSON.stringify(envelope?.source)}`,
    );
  }
  return parsePipelineEvent(envelope['detail-type'], envelope.detail);
}

/** The keys a pipeline event's log entries carry. */
export function pipelineEventKeys(event: PipelineEvent): Record<string, unknown> {
  return { detailType: event.detailType, eventId: event.detail.eventId, runId: event.detail.runId };
}

/** What invokes judge-canary, by its shape. */
export type JudgeCanaryInput =
  | { kind: 'check'; task: CanaryCheckTask }
  | { kind: 'alarm'; alarmName: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' }
  | { kind: 'event'; event: PipelineEvent };

const canaryCheckTask = parseWith(CanaryCheckTask, 'canary-check task');
const alarmStateChange = parseWith(CloudWatchAlarmStateChange, 'CloudWatch Alarm State Change');

/**
 * judge-canary is invoked three ways: by its own one-time schedules (a `canary-check` task), by
 * the default bus (`CloudWatch Alarm State Change`), and by the Pushline bus (`Canary Started`).
 */
export function judgeCanaryInput(raw: unknown): JudgeCanaryInput {
  const input = raw as Record<string, unknown> | null;
  if (input?.kind === 'canary-check') return { kind: 'check', task: canaryCheckTask(raw) };
  if (input?.source === 'aws.cloudwatch') {
    const { alarmName, state } = alarmStateChange(raw).detail;
    return { kind: 'alarm', alarmName, state: state.value };
  }
  return { kind: 'event', event: pipelineEnvelope(raw) };
}
