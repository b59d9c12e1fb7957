import type { SourcePush } from '../../events/source-push.ts';

const DEFAULT_HOSTS = { github: 'https://github.com', gitlab: 'https://gitlab.com' } as const;

/** The first 7 characters of a commit id, as Git hosts show it. */
export function shortSha(commit: string): string {
  return commit.slice(0, 7);
}

/** A run's short id, the one every place shows and accepts (`pushline show AG3H8DXR`). */
export { shortRunId } from '../domain/run-id.ts';

/** The first line of a commit message, cut to `max` characters. */
export function firstLine(message: string, max = 100): string {
  const line = (message.split(/\r?\n/, 1)[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `main`, `v1.2.0` or the full ref when the push named neither. */
export function refLabel(source: SourcePush): string {
  return source.branch ?? source.tag ?? source.ref;
}

/**
 * A link to the commit on its Git host. The host comes from `source.url` when there is one (so
 * GitHub Enterprise and self-managed GitLab work), else github.com / gitlab.com. CodeCommit
 * links need the console's region, so only `source.url` is used there.
 */
export function commitUrl(source: SourcePush): string | undefined {
  if (source.provider === 'codecommit') return source.url;
  const origin = originOf(source.url) ?? DEFAULT_HOSTS[source.provider];
  return source.provider === 'github'
    ? `${origin}/${source.repo}/commit/${source.commit}`
    : `${origin}/${source.repo}/-/commit/${source.commit}`;
}

/** The run's page in the dashboard, e.g. `http://localhost:8787/runs/<id>`; undefined without a base. */
export function runUrl(dashboardUrl: string | undefined, runId: string): string | undefined {
  if (!dashboardUrl) return undefined;
  return `${dashboardUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}`;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
