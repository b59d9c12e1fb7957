import type { Run, StageState } from '../domain/run.ts';

export type DeploymentEnvironment = 'staging' | 'production';

/**
 * GitHub's deployment status states that Pushline uses, of those its REST API accepts (`error`,
 * `failure`, `inactive`, `in_progress`, `queued`, `pending`, `success`). `waiting` is a state
 * GitHub sets itself for its own environment protection rules; a client cannot create it, so a
 * run at Pushline's gate shows `pending` ("Waiting for approval").
 */
export type DeploymentState =
  | 'pending'
  | 'queued'
  | 'in_progress'
  | 'success'
  | 'failure'
  | 'error'
  | 'inactive';

export interface PlannedDeployment {
  environment: DeploymentEnvironment;
  state: DeploymentState;
  description: string;
  /** Where the environment can be seen, once deployed. */
  url?: string;
}

/**
 * The deployment status each environment should show for the run's current state; environments
 * the run has not started deploying to are left out. Pure. Production starts at the approval gate
 * when the pipeline has one (the release waits there to go to production), else with the canary:
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

  const prod = productionDeployment(run);
  if (prod) planned.push({ environment: 'production', ...prod, ...url(run.production?.url) });
  return planned;
}

/**
 * The production environment follows the furthest of its steps that started: the promotion, else
 * the canary, else the approval gate — a run waiting there already has its production deployment
 * (`pending`, "Waiting for approval"), which a rejection, a cancel or a newer run makes `inactive`.
 */
function productionDeployment(run: Run): Omit<PlannedDeployment, 'environment'> | undefined {
  const { approval, canary, production } = run.stages;
  // The canary while it runs or once it failed, or stopped mid-way (cancelled, superseded).
  const canaryStopped = canary.status === 'skipped' && canary.startedAt !== undefined;
  if (['running', 'failed', 'timed_out'].includes(canary.status) || canaryStopped) {
    const traffic = run.canary ? ` at ${run.canary.trafficPercent}% traffic` : '';
    return deploymentOf(canary, { running: `Canary${traffic}`, success: '', label: 'Canary' });
  }
  const promotion = deploymentOf(production, {
    running: 'Promoting to production',
    success: 'Deployed to production',
    label: 'Production',
  });
  if (promotion || canary.status === 'succeeded') return promotion;
  if (!run.approval) return undefined;
  const decision = run.approval.decision;
  switch (approval.status) {
    case 'running':
      return { state: 'pending', description: 'Waiting for approval' };
    case 'succeeded':
      // Approved: the canary starts when the production slot is free.
      return { state: 'queued', description: cut(`Approved by ${decision?.by ?? 'an approver'}`) };
    case 'failed':
      // Rejected: production was never touched; this deployment will never happen.
      return { state: 'inactive', description: cut(capitalised(approval.reason ?? 'Rejected')) };
    default:
      return deploymentOf(approval, { running: '', success: '', label: 'Approval' });
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
