import { type CodeCommitClient, GetCommitCommand, GetDifferencesCommand } from '@aws-sdk/client-codecommit';
import { CodeCommitRepositoryStateChange } from '../../events/aws/codecommit.ts';
import { TransientError } from '../../shared/domain/errors.ts';
import type { PushlineFile } from '../../shared/domain/pipeline-config.ts';
import { silentLogger, type WebhookLogger } from '../../shared/http/webhook.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';
import {
  type CodecommitDetails,
  type CodecommitPlan,
  codecommitSourcePush,
  planCodecommitPush,
} from '../../shared/sources/codecommit-push.ts';
import { parsePayload } from '../../shared/sources/normalised-push.ts';
import { type PushOutcome, startPushRuns } from '../../shared/sources/start-push-runs.ts';

export interface ReceiveCodecommitDeps {
  store: RunStore;
  file: () => PushlineFile;
  codecommit: Pick<CodeCommitClient, 'send'>;
  clock: Clock;
  logger?: WebhookLogger;
  /** Stop listing differences after this many paths and say the list is unknown (default 5000). */
  maxChangedPaths?: number;
}

type CodecommitPush = Extract<CodecommitPlan, { kind: 'push' }>;

/**
 * Receives a `CodeCommit Repository State Change` from EventBridge: validates the whole event with
 * its zod schema (a malformed event throws `ValidationError`), ignores deletions and other events,
 * asks `GetCommit` for the message and author and `GetDifferences` (paginated) for the changed
 * paths, then starts the matched pipelines' runs once per EventBridge event id, exactly as the
 * webhook receivers do. A failed AWS call throws `TransientError`, so Lambda retries the event
 * and, after its retries, sends it to the dead-letter queue.
 */
export function makeReceiveCodecommit(deps: ReceiveCodecommitDeps): (event: unknown) => Promise<PushOutcome> {
  const logger = deps.logger ?? silentLogger;
  const maxChangedPaths = deps.maxChangedPaths ?? 5000;

  return async (raw) => {
    const event = parsePayload(CodeCommitRepositoryStateChange, raw, 'CodeCommit event');
    const plan = planCodecommitPush(event);
    if (plan.kind === 'ignored') return { kind: 'ignored', reason: plan.reason, skipped: [] };

    const file = deps.file();
    if (!file.pipelines.some((pipeline) => pipeline.source.codecommit === plan.repo)) {
      // No AWS call for a repository no pipeline watches.
      return { kind: 'ignored', reason: `no pipeline is declared for codecommit ${plan.repo}`, skipped: [] };
    }
    const details = await describePush(deps.codecommit, plan, maxChangedPaths);
    const push = codecommitSourcePush(plan, event, details);
    const outcome = await startPushRuns(deps, { id: event.id, provider: 'codecommit' }, file, push);
    logger.info('push received', {
      deliveryId: event.id,
      repo: push.repo,
      ref: push.ref,
      commit: push.commit,
      outcome: outcome.kind,
      runs: 'runs' in outcome ? outcome.runs.map((r) => r.runId) : [],
    });
    return outcome;
  };
}

async function describePush(
  client: Pick<CodeCommitClient, 'send'>,
  plan: CodecommitPush,
  maxChangedPaths: number,
): Promise<CodecommitDetails> {
  const { commit } = await aws('GetCommit', () =>
    client.send(new GetCommitCommand({ repositoryName: plan.repo, commitId: plan.commit })),
  );
  return {
    message: commit?.message?.replace(/\n+$/, '') ?? '',
    ...(commit?.author?.name ? { author: commit.author.name } : {}),
    paths: plan.previousCommit
      ? await changedPaths(client, plan, plan.previousCommit, maxChangedPaths)
      : {
          pathsUnknownReason: `the push created ${plan.ref}: there is no previous commit to compare with`,
        },
  };
}

/** Every path `GetDifferences` lists between the two commits, page by page. */
async function changedPaths(
  client: Pick<CodeCommitClient, 'send'>,
  plan: CodecommitPush,
  before: string,
  maxChangedPaths: number,
): Promise<CodecommitDetails['paths']> {
  const paths = new Set<string>();
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await aws('GetDifferences', () =>
      client.send(
        new GetDifferencesCommand({
          repositoryName: plan.repo,
          beforeCommitSpecifier: before,
          afterCommitSpecifier: plan.commit,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    for (const difference of page.differences ?? []) {
      if (difference.beforeBlob?.path) paths.add(difference.beforeBlob.path);
      if (difference.afterBlob?.path) paths.add(difference.afterBlob.path);
    }
    if (paths.size > maxChangedPaths) {
      return {
        pathsUnknownReason: `more than ${maxChangedPaths} paths changed; Pushline stopped listing them`,
      };
    }
    nextToken = page.NextToken;
    // A token handed out twice would page forever; stop rather than trust it.
    if (nextToken && seenTokens.has(nextToken)) {
      return { pathsUnknownReason: 'GetDifferences repeated a page token; Pushline stopped listing paths' };
    }
    if (nextToken) seenTokens.add(nextToken);
  } while (nextToken);
  return { changedPaths: [...paths] };
}

/** Runs an AWS call; a failure becomes a `TransientError` (retried by Lambda) naming the call. */
async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    throw new TransientError(`CodeCommit ${what} failed: ${name}`, { cause: error });
  }
}
