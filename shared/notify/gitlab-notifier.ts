import { type PushlineError, TransientError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RunStore } from '../ports/run-store.ts';
import { planCommitStatuses, STATUS_CONTEXTS, type StatusState } from './commit-status-plan.ts';
import { converge, type Intent } from './converge.ts';
import { httpFailure } from './failures.ts';
import type { NotifyInput } from './notifier-kinds.ts';
import { runUrl } from './run-links.ts';

type GitLabState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

const GITLAB_STATE: Record<StatusState, GitLabState> = {
  pending: 'pending',
  running: 'running',
  success: 'success',
  failure: 'failed',
  error: 'failed',
  skipped: 'skipped',
  canceled: 'canceled',
};

export interface GitLabNotifierOptions {
  token: string;
  /** The REST API root, e.g. `https://gitlab.com/api/v4` or a self-managed instance's. */
  baseUrl?: string;
  store: RunStore;
  clock: Clock;
  dashboardUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * GitLab commit statuses (`POST /projects/:id/statuses/:sha`) for `pushline/build`,
 * `pushline/staging` and `pushline/production`. GitLab refuses to "move" a status to the state
 * it is already in (400 `Cannot transition status`), so only state changes are sent, and that
 * refusal counts as done. Handles runs pushed to GitLab.
 */
export class GitLabNotifier implements Notifier {
  readonly name = 'gitlab';
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: GitLabNotifierOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  async notify({ run, pipeline }: NotifyInput): Promise<void> {
    if (run.source.provider !== 'gitlab' || pipeline?.notifications.commitStatus === false) return;
    await converge(this.options.store, run.id, (current) => this.intents(current));
  }

  private async intents(run: Run): Promise<Intent[]> {
    const intents: Intent[] = [];
    for (const planned of planCommitStatuses(run)) {
      const key = `gitlab.status.${planned.context}`;
      if (!planned.reached && !(await this.options.store.getAttribute(run.id, key))) continue;
      const state = GITLAB_STATE[planned.state];
      intents.push({
        key,
        fingerprint: state,
        send: () => this.post(run, STATUS_CONTEXTS[planned.context], state, planned.description),
      });
    }
    return intents;
  }

  private async post(run: Run, name: string, state: GitLabState, description: string): Promise<void> {
    const { source } = run;
    const url = `${this.baseUrl}/projects/${encodeURIComponent(source.repo)}/statuses/${source.commit}`;
    const targetUrl = runUrl(this.options.dashboardUrl, run.id) ?? run.build?.logUrl;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'private-token': this.options.token },
        body: JSON.stringify({
          state,
          name,
          description,
          ...(source.branch || source.tag ? { ref: source.branch ?? source.tag } : {}),
          ...(targetUrl ? { target_url: targetUrl } : {}),
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new TransientError(`gitlab unreachable: ${(error as Error).message}`, { cause: error });
    }
    if (response.ok) return;
    const body = (await response.text()).slice(0, 300);
    if (response.status === 400 && body.includes('Cannot transition status')) return;
    const failure: PushlineError = httpFailure(
      'gitlab',
      response.status,
      Object.fromEntries(response.headers.entries()),
      body || response.statusText,
      this.options.clock.now(),
    );
    throw failure;
  }
}
