import type { Run, StageState } from '../domain/run.ts';

export type DeploymentEnvironment = 'staging' | 'production';

/** GitHub's deployment status states that Pushline uses. */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface PlannedDeployment {
  environment: DeploymentEnvironment;
  state: DeploymentState;
  description: string;
  /** Where the environment can be seen, once deployed. */
  url?: string;
}

/**
 * The deployment status each environment should show for the run's current state; environments
 * the run has not started deploying to are left out. Pure. Production starts with the canary:
 * the canary is the new release taking production traffic.
 */
export function planDeployments(run: Run): PlannedDeployment[] {
  const planned: PlannedDeployment[] = [];
  const staging = deploymentOf(run.stages.staging, {
    running: 'Deploying to staging',
    success: 'Deployed to staging',
    label: 'Staging',
  });
  if (staging) planned.push({ environment: 'staging', ...staging, ...url(run.staging?.url) });

  const { canary, production } = run.stages;
  const prodStage =
    canary.status === 'running' || canary.status === 'failed' || canary.status === 'timed_out'
      ? canary
      : production;
  const traffic = run.canary ? ` at ${run.canary.trafficPercent}% traffic` : '';
  const prod = deploymentOf(prodStage, {
    running: prodStage === canary ? `Canary${traffic}` : 'Promoting to production',
    success: 'Deployed to production',
    label: prodStage === canary ? 'Canary' : 'Production',
  });
  if (prod) planned.push({ environment: 'production', ...prod, ...url(run.production?.url) });
  return planned;
}

function deploymentOf(
  state: StageState,
  words: { running: string; success: string; label: string },
): Omit<PlannedDeployment, 'environment'> | undefined {
  const why = state.reason ? `: ${state.reason}` : '';
  switch (state.status) {
    case 'pending':
      return undefined;
    case 'running':
      return { state: 'in_progress', description: words.running };
    case 'succeeded':
      return { state: 'success', description: words.success };
    case 'failed':
      return { state: 'failure', description: cut(`${words.label} failed${why}`) };
    case 'timed_out':
      return { state: 'error', description: cut(`${words.label} timed out${why}`) };
    case 'skipped':
      // Skipped after it had started (the run was superseded or cancelled mid-deployment).
      return state.startedAt ? { state: 'inactive', description: cut(`Stopped${why}`) } : undefined;
  }
}

function url(value: string | undefined): { url?: string } {
  return value ? { url: value } : {};
}

/** GitHub cuts deployment status descriptions at 140 characters. */
function cut(text: string): string {
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}
