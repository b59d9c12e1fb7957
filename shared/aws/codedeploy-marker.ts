import type { Environment } from '../ports/deployer.ts';

/**
 * What Pushline writes into a CodeDeploy deployment's `description` so the deployment can be
 * traced back to its run without the store: the run, attempt and environment (the idempotency
 * key of `Deployer.deploy`), and for Lambda the two versions the canary compares (GetDeployment
 * never returns the AppSpec content, so this is where the metrics source finds them).
 */
export interface DeploymentMarker {
  runId: string;
  attempt: number;
  environment: Environment;
  /** Lambda: the version the alias pointed at before, and the version being deployed. */
  currentVersion?: string;
  targetVersion?: string;
}

const TAG = /\[pushline ([^\]]*)\]/;

/** A human sentence, then the machine-readable tag: `… [pushline run=01J… attempt=1 env=staging]`. */
export function markerDescription(marker: DeploymentMarker, commit: string): string {
  const fields = [
    `run=${marker.runId}`,
    `attempt=${marker.attempt}`,
    `env=${marker.environment}`,
    ...(marker.currentVersion ? [`current=${marker.currentVersion}`] : []),
    ...(marker.targetVersion ? [`target=${marker.targetVersion}`] : []),
  ];
  // Kept short: CodeDeploy refuses a description that is too long (DescriptionTooLongException).
  return `Pushline ${marker.environment} deployment of ${commit.slice(0, 7)} [pushline ${fields.join(' ')}]`;
}

/** The marker in a description, or `undefined` when Pushline did not write it. */
export function parseMarker(description: string | undefined): DeploymentMarker | undefined {
  const tag = TAG.exec(description ?? '')?.[1];
  if (!tag) return undefined;
  const fields = new Map(
    tag
      .split(/\s+/)
      .map((pair) => pair.split('='))
      .filter((kv): kv is [string, string] => kv.length === 2 && kv[1] !== ''),
  );
  const runId = fields.get('run');
  const attempt = Number(fields.get('attempt'));
  const environment = fields.get('env');
  if (!runId || !Number.isInteger(attempt) || attempt < 1) return undefined;
  if (environment !== 'staging' && environment !== 'production') return undefined;
  const currentVersion = fields.get('current');
  const targetVersion = fields.get('target');
  return {
    runId,
    attempt,
    environment,
    ...(currentVersion ? { currentVersion } : {}),
    ...(targetVersion ? { targetVersion } : {}),
  };
}

/** Whether two markers name the same deploy request (run, attempt, environment). */
export function sameRequest(a: DeploymentMarker, b: DeploymentMarker): boolean {
  return a.runId === b.runId && a.attempt === b.attempt && a.environment === b.environment;
}
