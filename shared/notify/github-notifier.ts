import type { Octokit } from '@octokit/rest';
import { PushlineError, TransientError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RunStore } from '../ports/run-store.ts';
import { claimJob } from './claim.ts';
import { planCommitStatuses, STATUS_CONTEXTS, type StatusState } from './commit-status-plan.ts';
import { converge, type Intent } from './converge.ts';
import { type DeploymentEnvironment, type PlannedDeployment, planDeployments } from './deployment-plan.ts';
import { httpFailure } from './failures.ts';
import type { NotifyInput } from './notifier-kinds.ts';
import { runUrl } from './run-links.ts';

const GITHUB_STATE: Record<StatusState, 'pending' | 'success' | 'failure' | 'error'> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failure: 'failure',
  error: 'error',
  // GitHub has no "skipped": a context it showed as pending must still be resolved.
  skipped: 'error',
  canceled: 'error',
};

export interface GitHubNotifierOptions {
  octokit: Pick<Octokit, 'rest'>;
  store: RunStore;
  clock: Clock;
  dashboardUrl?: string;
  /** Create GitHub Deployments for staging and production (default true). */
  deployments?: boolean;
  claimStaleMs?: number;
}

/**
 * GitHub commit statuses (`pushline/build`, `pushline/staging`, `pushline/production`: pending →
 * success / failure / error, linking to the run) and GitHub Deployments with their statuses for
 * the staging and production environments (in_progress → success / failure; GitHub marks the
 * deployment a success replaces `inactive` through `auto_inactive`). Handles runs pushed to
 * GitHub whose pipeline keeps `notifications.commitStatus` on. Sends only what changed.
 */
export class GitHubNotifier implements Notifier {
  readonly name = 'github';

  constructor(private readonly options: GitHubNotifierOptions) {}

  async notify({ run, event, pipeline }: NotifyInput): Promise<void> {
    if (run.source.provider !== 'github' || pipeline?.notifications.commitStatus === false) return;
    const [owner, repo] = run.source.repo.split('/') as [string, string];
    try {
      await converge(this.options.store, run.id, async (current) => [
        ...(await this.statusIntents(current, owner, repo)),
        ...(this.options.deployments === false
          ? []
          : await this.deploymentIntents(current, owner, repo, event.detail.eventId)),
      ]);
    } catch (error) {
      throw githubFailure(error, this.options.clock.now());
    }
  }

  private async statusIntents(run: Run, owner: string, repo: string): Promise<Intent[]> {
    const targetUrl = runUrl(this.options.dashboardUrl, run.id) ?? run.build?.logUrl;
    const intents: Intent[] = [];
    for (const planned of planCommitStatuses(run)) {
      const state = GITHUB_STATE[planned.state];
      const key = `github.status.${planned.context}`;
      // An unreached context is set only to resolve one that was set before.
      if (!planned.reached && !(await this.options.store.getAttribute(run.id, key))) continue;
      intents.push({
        key,
        fingerprint: `${state}|${planned.description}`,
        send: async () => {
          await this.options.octokit.rest.repos.createCommitStatus({
            owner,
            repo,
            sha: run.source.commit,
            state,
            context: STATUS_CONTEXTS[planned.context],
            description: planned.description,
            ...(targetUrl ? { target_url: targetUrl } : {}),
          });
        },
      });
    }
    return intents;
  }

  private async deploymentIntents(run: Run, owner: string, repo: string, eventId: string): Promise<Intent[]> {
    const wanted: PlannedDeployment[] = [];
    for (const deployment of planDeployments(run)) {
      // `inactive` retires a deployment that exists; none is created only to be retired.
      const exists = await this.options.store.getAttribute(
        run.id,
        `github.deployment.${deployment.environment}`,
      );
      if (deployment.state === 'inactive' && !exists) continue;
      wanted.push(deployment);
    }
    return wanted.map((planned) => ({
      key: `github.deployment.${planned.environment}.status`,
      fingerprint: `${planned.state}|${planned.description}`,
      send: async () => {
        const deploymentId = await this.deploymentId(run, owner, repo, planned.environment, eventId);
        await this.sendDeploymentStatus(run, owner, repo, deploymentId, planned);
      },
    }));
  }

  /** The run's GitHub deployment for an environment, created once (claimed, like the Slack post). */
  private async deploymentId(
    run: Run,
    owner: string,
    repo: string,
    environment: DeploymentEnvironment,
    eventId: string,
  ): Promise<number> {
    const { store, clock, claimStaleMs = 120_000 } = this.options;
    const key = `github.deployment.${environment}`;
    const existing = await store.getAttribute(run.id, key);
    if (existing) return Number(existing);
    const claim = await claimJob(store, run.id, key, eventId, clock.now(), claimStaleMs);
    if (claim === 'theirs') throw new TransientError(`GitHub ${environment} deployment is being created`);
    const created = await this.options.octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: run.source.commit,
      environment,
      description: `Pushline run ${run.id}`,
      auto_merge: false,
      // Pushline's own statuses are pending while it deploys: GitHub must not wait for them.
      required_contexts: [],
      production_environment: environment === 'production',
      transient_environment: false,
      payload: { runId: run.id, pipeline: run.pipeline },
    });
    const id = (created.data as { id?: number }).id;
    if (id === undefined) throw new PushlineError(`GitHub did not create the ${environment} deployment`);
    await store.setAttribute(run.id, key, String(id));
    return id;
  }

  private async sendDeploymentStatus(
    run: Run,
    owner: string,
    repo: string,
    deploymentId: number,
    planned: PlannedDeployment,
  ): Promise<void> {
    const logUrl = runUrl(this.options.dashboardUrl, run.id) ?? run.build?.logUrl;
    await this.options.octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: deploymentId,
      state: planned.state,
      description: planned.description,
      environment: planned.environment,
      auto_inactive: true,
      ...(logUrl ? { log_url: logUrl } : {}),
      ...(planned.url ? { environment_url: planned.url } : {}),
    });
  }
}

/** Octokit's `RequestError` carries `status` and the response headers (rate limits among them). */
function githubFailure(error: unknown, now: Date): PushlineError {
  if (error instanceof PushlineError) return error;
  const e = error as {
    status?: unknown;
    response?: { headers?: Record<string, string | number | undefined> };
    message?: string;
  };
  if (typeof e?.status === 'number') {
    return httpFailure('github', e.status, e.response?.headers ?? {}, e.message ?? 'request failed', now);
  }
  return new TransientError(`github unreachable: ${e?.message ?? String(error)}`, { cause: error });
}
