import type { BuildRequest } from '../../ports/builder.ts';

/** The variables of the server's environment a build inherits; secrets stay out of builds. */
export const INHERITED_VARIABLES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
];

/**
 * The base environment of local builds, picked from the server's environment (the composition
 * root passes `process.env`): the tools' PATH, HOME, locale and proxy settings, and nothing else —
 * a Slack token in the server's environment is no business of a build's.
 */
export function pickBaseEnv(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

export interface BuildEnvInput {
  request: BuildRequest;
  buildId: string;
  buildNumber: number;
  sourceDir: string;
  startedAt: Date;
  /** The buildspec's `env.variables`. */
  variables: Record<string, string>;
  base: Record<string, string | undefined>;
}

/**
 * The environment of a build's shell: the base, then the buildspec's `env.variables`, then
 * CodeBuild's own variables (which a buildspec cannot override — it gets a warning instead).
 */
export function buildEnvironment(input: BuildEnvInput): { env: Record<string, string>; warnings: string[] } {
  const { request, buildId } = input;
  const { source, pipeline } = request;
  const trigger = source.tag ? `tag/${source.tag}` : source.branch ? `branch/${source.branch}` : source.ref;
  const codebuild: Record<string, string | undefined> = {
    CI: 'true',
    CODEBUILD_BUILD_ID: buildId,
    CODEBUILD_BUILD_ARN: `arn:aws:codebuild:local:000000000000:build/${buildId}`,
    CODEBUILD_BUILD_NUMBER: String(input.buildNumber),
    CODEBUILD_BUILD_SUCCEEDING: '1',
    CODEBUILD_INITIATOR: `pushline/${pipeline.name}`,
    CODEBUILD_SRC_DIR: input.sourceDir,
    CODEBUILD_SOURCE_VERSION: source.commit,
    CODEBUILD_RESOLVED_SOURCE_VERSION: source.commit,
    CODEBUILD_SOURCE_REPO_URL: source.cloneUrl,
    CODEBUILD_START_TIME: String(input.startedAt.getTime()),
    CODEBUILD_WEBHOOK_EVENT: 'PUSH',
    CODEBUILD_WEBHOOK_HEAD_REF: source.ref,
    CODEBUILD_WEBHOOK_TRIGGER: trigger,
    CODEBUILD_WEBHOOK_PREV_COMMIT: source.previousCommit,
    PUSHLINE_LOCAL: 'true',
    PUSHLINE_PIPELINE: pipeline.name,
    PUSHLINE_RUN_ID: request.runId,
    PUSHLINE_ATTEMPT: String(request.attempt),
  };
  const warnings = Object.keys(input.variables)
    .filter((name) => name in codebuild)
    .map((name) => `env.variables.${name} is set by the build itself; the buildspec's value is ignored`);
  const env: Record<string, string> = {};
  for (const layer of [input.base, input.variables, codebuild]) {
    for (const [name, value] of Object.entries(layer)) if (value !== undefined) env[name] = value;
  }
  return { env, warnings };
}
