import * as z from 'zod';
import { awsEvent } from './envelope.ts';

/** Every `build-status` CodeBuild reports; the last five end a build. */
export const CodeBuildStatus = z.enum([
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'FAULT',
  'STOPPED',
  'TIMED_OUT',
]);
export type CodeBuildStatus = z.output<typeof CodeBuildStatus>;

/**
 * CodeBuild's event dates: `Sep 1, 2017 4:12:29 PM` (UTC), not ISO 8601. Kept as the string;
 * `parseCodeBuildTime` reads it.
 */
export const CodeBuildTime = z.string().regex(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/, {
  message: 'must be a CodeBuild date such as "Sep 1, 2017 4:12:29 PM"',
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Sep 1, 2017 4:12:29 PM` → the instant (UTC); `undefined` for anything else. */
export function parseCodeBuildTime(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP])M$/.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return undefined;
  const hour = (Number(m[4]) % 12) + (m[7] === 'P' ? 12 : 0);
  return new Date(Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6])));
}

export const CodeBuildEventPhase = z.looseObject({
  'phase-type': z.string(),
  'phase-status': z.string().optional(),
  /** Messages such as `YAML_FILE_ERROR: …` or `COMMAND_EXECUTION_ERROR: …` (may contain nulls). */
  'phase-context': z.array(z.string().nullable()).optional(),
  'start-time': CodeBuildTime.optional(),
  'end-time': CodeBuildTime.optional(),
  'duration-in-seconds': z.number().optional(),
});

const EnvironmentVariable = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  value: z.string(),
});

/** The `detail` of a `CodeBuild Build State Change`, as AWS documents it. Unknown fields pass through. */
export const CodeBuildBuildStateChangeDetail = z.looseObject({
  'build-status': CodeBuildStatus,
  'project-name': z.string().min(1),
  'build-id': z.string().startsWith('arn:'),
  'current-phase': z.string(),
  /** A string that looks like a list (`"[]"`, `"[: ]"`), not a JSON array. */
  'current-phase-context': z.string(),
  version: z.string(),
  'additional-information': z.looseObject({
    'build-complete': z.boolean(),
    /** Absent on some events (builds started before build numbers existed, some batch builds). */
    'build-number': z.number().optional(),
    initiator: z.string().optional(),
    'build-start-time': CodeBuildTime,
    'source-version': z.string().optional(),
    'timeout-in-minutes': z.number().optional(),
    artifact: z.looseObject({ location: z.string().optional() }).optional(),
    environment: z
      .looseObject({ 'environment-variables': z.array(EnvironmentVariable).default([]) })
      .optional(),
    logs: z
      .looseObject({
        'group-name': z.string().optional(),
        'stream-name': z.string().optional(),
        'deep-link': z.string().optional(),
      })
      .optional(),
    phases: z.array(CodeBuildEventPhase).default([]),
  }),
});

/** The whole EventBridge event CodeBuild sends when a build changes state. */
export const CodeBuildBuildStateChange = awsEvent(
  'CodeBuild Build State Change',
  'aws.codebuild',
  CodeBuildBuildStateChangeDetail,
);
export type CodeBuildBuildStateChange = z.output<typeof CodeBuildBuildStateChange>;
