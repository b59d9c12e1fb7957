/** The environment variables every Pushline build carries, so its completion finds its run. */
export const BUILD_ENV = {
  runId: 'PUSHLINE_RUN_ID',
  pipeline: 'PUSHLINE_PIPELINE',
  attempt: 'PUSHLINE_ATTEMPT',
} as const;

/** `arn:aws:codebuild:…:build/web:8745a7a9…` → `web:8745a7a9…`, the id CodeBuild's APIs take. */
export function buildIdFromArn(arnOrId: string): string {
  const index = arnOrId.indexOf(':build/');
  return arnOrId.startsWith('arn:') && index >= 0 ? arnOrId.slice(index + ':build/'.length) : arnOrId;
}

/**
 * The build's page in the CodeBuild console, from its ARN (`arn:aws:codebuild:<region>:<account>:build/<id>`).
 * StartBuild returns before the log stream exists, so `logs.deepLink` is usually still empty.
 */
export function consoleUrl(arn: string | undefined, buildId: string): string | undefined {
  const match = /^arn:aws[\w-]*:codebuild:([\w-]+):(\d+):build\//.exec(arn ?? '');
  if (!match) return undefined;
  const [, region, account] = match;
  const project = buildId.split(':')[0]!;
  return `https://${region}.console.aws.amazon.com/codesuite/codebuild/${account}/projects/${encodeURIComponent(project)}/build/${encodeURIComponent(buildId)}/?region=${region}`;
}
