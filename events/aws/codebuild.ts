import * as z from '../zod-mini.ts';
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
export const CodeBuildTime = z.string().check(
  z.regex(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/, {
    message: 'must be a CodeBuild date such as "Sep 1, 2017 4:12:29 PM"',
  }),
);

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
  'phase-status': z.optional(z.string()),
  /** Messages such as `YAML_FILE_ERROR: …` or `COMMAND_EXECUTION_ERROR: …` (may contain nulls). */
  'phase-context': z.optional(z.array(z.nullable(z.string()))),
  'start-time': z.optional(CodeBuildTime),
  'end-time': z.optional(CodeBuildTime),
  'duration-in-seconds': z.optional(z.number()),
});

const EnvironmentVariable = z.looseObject({
  name: z.string(),
  type: z.optional(z.string()),
  value: z.string(),
});

/** The `detail` of a `CodeBuild Build State Change`, as AWS documents it. Unknown fields pass through. */
export const CodeBuildBuildStateChangeDetail = z.looseObject({
  'build-status': CodeBuildStatus,
  'project-name': z.string().check(z.minLength(1)),
  'build-id': z.string().check(z.startsWith('arn:')),
  'current-phase': z.string(),
  /** A string that looks like a list (`"[]"`, `"[: ]"`), not a JSON array. */
  'current-phase-context': z.string(),
  version: z.string(),
  'additional-information': z.looseObject({
    'build-complete': z.boolean(),
    /** Absent on some events (builds started before build numbers existed, some batch builds). */
    'build-number': z.optional(z.number()),
    initiator: z.optional(z.string()),
    'build-start-time': CodeBuildTime,
    'source-version': z.optional(z.string()),
    'timeout-in-minutes': z.optional(z.number()),
    artifact: z.optional(z.looseObject({ location: z.optional(z.string()) })),
    environment: z.optional(
      z.looseObject({ 'environment-variables': z._default(z.array(EnvironmentVariable), []) }),
    ),
    logs: z.optional(
      z.looseObject({
        'group-name': z.optional(z.string()),
        'stream-name': z.optional(z.string()),
        'deep-link': z.optional(z.string()),
      }),
    ),
    phases: z._default(z.array(CodeBuildEventPhase), []),
  }),
});

/** The whole EventBridge event CodeBuild sends when a build changes state. */
export const CodeBuildBuildStateChange = awsEvent(
  'CodeBuild Build State Change',
  'aws.codebuild',
  CodeBuildBuildStateChangeDetail,
);
export type CodeBuildBuildStateChange = z.output<typeof CodeBuildBuildStateChange>;
