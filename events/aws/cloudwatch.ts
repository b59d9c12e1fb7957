import * as z from '../zod-mini.ts';
import { awsEvent } from './envelope.ts';

export const AlarmStateValue = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** CloudWatch's alarm timestamps: `2019-10-02T17:04:40.989+0000` (no colon in the offset). */
const AlarmTimestamp = z.string().check(z.minLength(1));

const AlarmState = z.looseObject({
  value: AlarmStateValue,
  reason: z.string(),
  /** A JSON document as a string (absent for composite alarms). */
  reasonData: z.optional(z.string()),
  timestamp: AlarmTimestamp,
});

/** The `detail` of a `CloudWatch Alarm State Change`. Unknown fields pass through. */
export const CloudWatchAlarmStateChangeDetail = z.looseObject({
  alarmName: z.string().check(z.minLength(1)),
  state: AlarmState,
  /** Absent on the first state an alarm ever takes. */
  previousState: z.optional(AlarmState),
  configuration: z.optional(
    z.looseObject({
      description: z.optional(z.string()),
      metrics: z.optional(z.array(z.looseObject({ id: z.string() }))),
      alarmRule: z.optional(z.string()),
    }),
  ),
});

/** The whole EventBridge event CloudWatch sends when an alarm changes state. */
export const CloudWatchAlarmStateChange = awsEvent(
  'CloudWatch Alarm State Change',
  'aws.cloudwatch',
  CloudWatchAlarmStateChangeDetail,
);
export type CloudWatchAlarmStateChange = z.output<typeof CloudWatchAlarmStateChange>;
