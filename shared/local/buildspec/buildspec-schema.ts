import * as z from 'zod';

/**
 * The schema of a CodeBuild `buildspec.yml` (version 0.2), as the local builder runs it.
 *
 * The YAML is read with the *failsafe* schema, so every scalar arrives as a string — as CodeBuild's
 * own (Go) reader treats them: `- true` is the command `true`, not a boolean. Booleans such as
 * `discard-paths: yes` are read here. Objects are loose: keys that CodeBuild knows but the local
 * builder does not run are reported as warnings (unsupported-keys.ts), not refused.
 */

export const PhaseName = {
  Install: 'install',
  PreBuild: 'pre_build',
  Build: 'build',
  PostBuild: 'post_build',
} as const;
export type PhaseName = (typeof PhaseName)[keyof typeof PhaseName];
export const PHASE_NAMES: readonly PhaseName[] = Object.values(PhaseName);

/** An empty YAML value (`build:` with nothing under it) reads as '' in the failsafe schema. */
const emptyAs = (value: unknown) => (input: unknown) => (input === '' || input === null ? value : input);

const YesNo = z.string().transform((value, ctx) => {
  const v = value.trim().toLowerCase();
  if (['yes', 'true', 'on', 'y'].includes(v)) return true;
  if (['no', 'false', 'off', 'n', ''].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `"${value}" is not yes or no` });
  return z.NEVER;
});

const Command = z.string({
  error: (issue) =>
    issue.input !== null && typeof issue.input === 'object' && !Array.isArray(issue.input)
      ? 'expected a command (a string) but found a mapping; quote a command that contains ": "'
      : 'expected a command (a string)',
});

/** A command list; blank entries (a bare `-`) are dropped. */
const Commands = z.preprocess(
  emptyAs([]),
  z
    .array(Command, { error: 'expected a list of commands' })
    .transform((list) => list.filter((c) => c.trim())),
);

/** One path or glob, or a list of them. */
const Globs = z.preprocess(
  emptyAs([]),
  z
    .union([z.string().transform((s) => [s]), z.array(z.string({ error: 'expected a path or glob' }))], {
      error: 'expected a path or a list of paths',
    })
    .transform((list) => list.filter((s) => s.trim())),
);

const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not a valid environment variable name');

export const PhaseSpec = z.preprocess(
  emptyAs({}),
  z.looseObject({
    'on-failure': z.enum(['ABORT', 'CONTINUE'], { error: 'must be ABORT or CONTINUE' }).optional(),
    commands: Commands.optional(),
    finally: Commands.optional(),
  }),
);

export const ReportSpec = z.looseObject({
  files: Globs.refine((list) => list.length > 0, 'a report group needs at least one file pattern'),
  'base-directory': z.string().optional(),
  'discard-paths': YesNo.optional(),
  'file-format': z
    .enum(
      [
        'JUNITXML',
        'CUCUMBERJSON',
        'TESTNGXML',
        'VISUALSTUDIOTRX',
        'NUNITXML',
        'NUNIT3XML',
        'CLOVERXML',
        'COBERTURAXML',
        'JACOCOXML',
        'SIMPLECOV',
      ],
      { error: 'is not a CodeBuild report file format' },
    )
    .default('JUNITXML'),
});

export const ArtifactsSpec = z.looseObject({
  files: Globs.refine((list) => list.length > 0, 'artifacts need at least one file pattern'),
  name: z.string().optional(),
  'base-directory': z.string().optional(),
  'discard-paths': YesNo.optional(),
  'exclude-paths': Globs.optional(),
});

export const EnvSpec = z.preprocess(
  emptyAs({}),
  z.looseObject({
    shell: z
      .enum(['bash', '/bin/bash', 'sh', '/bin/sh'], {
        error: 'must be bash or sh locally (powershell.exe and cmd.exe are Windows-only)',
      })
      .optional(),
    variables: z
      .preprocess(emptyAs({}), z.record(z.string(), z.string({ error: 'must be a string' })))
      .optional(),
    'exported-variables': z.preprocess(emptyAs([]), z.array(VariableName)).optional(),
  }),
);

export const BuildspecDocument = z.looseObject({
  version: z.string({ error: 'is required (version: 0.2)' }).superRefine((v, ctx) => {
    if (v.trim() !== '0.2')
      ctx.addIssue({ code: 'custom', message: `${v} is not supported locally; use 0.2` });
  }),
  env: EnvSpec.optional(),
  phases: z.preprocess(
    emptyAs({}),
    z
      .record(z.string(), PhaseSpec, {
        error: 'is required: a mapping of install, pre_build, build, post_build',
      })
      .superRefine((phases, ctx) => {
        for (const name of Object.keys(phases)) {
          if (!(PHASE_NAMES as readonly string[]).includes(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `unknown phase "${name}" (expected install, pre_build, build or post_build)`,
            });
          }
        }
      }),
  ),
  reports: z.preprocess(emptyAs({}), z.record(z.string(), ReportSpec)).optional(),
  artifacts: ArtifactsSpec.optional(),
});
export type BuildspecDocument = z.output<typeof BuildspecDocument>;
