import type { EventOf } from '../../events/pipeline-events.ts';
import { SourcePush } from '../../events/source-push.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { personOf } from '../domain/people.ts';
import type { PipelineConfig, PushlineFile } from '../domain/pipeline-config.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RefResolver } from '../ports/ref-resolver.ts';
import type { RunStore } from '../ports/run-store.ts';
import { newId } from './new-event.ts';

export interface ManualRunDeps {
  store: RunStore;
  clock: Clock;
  pipelines: (name: string) => PipelineConfig | undefined;
  people: () => PushlineFile['people'];
  resolver: RefResolver;
  logger?: Logger;
}

export interface ManualRunRequest {
  /** A branch, a tag or a commit id (whole or abbreviated) of the pipeline's repository. */
  ref: string;
  /** Who starts the run: a name, or a Slack id or Git host login that `people:` maps to one. */
  by: string;
  /** Where the repository is, when the resolver cannot know (local mode's `--repo`). */
  repository?: string;
}

/**
 * Commit messages beyond this are cut in the event, as for a push (`MAX_EVENT_MESSAGE` of
 * shared/sources/start-push-runs.ts): events travel through EventBridge and DynamoDB items.
 */
const MAX_MESSAGE = 4000;

/**
 * Starts a run by hand, without a push — a workflow dispatch: `start(pipeline, { ref, by })`
 * resolves the ref to a commit of the pipeline's repository (`RefResolver`), then starts a NEW run
 * (trigger `manual`, `by` recorded) the way a push starts one: one `Run Started` handed to
 * `store.startRuns` under its own delivery id (`manual:<eventId>`, provider `pushline`). The
 * choreography takes it from there: start-build acts on `Run Started`. The pipeline's branch, tag
 * and path filters do not apply — whoever starts a run by hand chose the commit.
 */
export function makeManualRun(deps: ManualRunDeps) {
  const log = deps.logger ?? silentLogger;
  return {
    async start(pipelineName: string, request: ManualRunRequest): Promise<Run> {
      if (!request.by?.trim()) throw new ValidationError('who starts the run (by) is required');
      if (!request.ref?.trim())
        throw new ValidationError('a ref is required: a branch, a tag or a commit id');
      const pipeline = deps.pipelines(pipelineName);
      if (!pipeline) throw new NotFoundError(`pipeline ${pipelineName} is not in the pipeline file`);
      const push = await deps.resolver.resolve(pipeline, request.ref, {
        ...(request.repository ? { repository: request.repository } : {}),
      });
      const by = personOf(deps.people(), request.by.trim());
      const eventId = newId(deps.clock);
      const deliveryId = `manual:${eventId}`;
      const { changedPaths: _paths, changedPathsTotal: _total, pathsUnknownReason: _why, ...pushed } = push;
      const source = SourcePush.parse({
        ...pushed,
        message:
          push.message.length > MAX_MESSAGE ? `${push.message.slice(0, MAX_MESSAGE - 1)}…` : push.message,
        deliveryId,
      });
      const started: EventOf<'Run Started'> = {
        detailType: 'Run Started',
        detail: {
          version: 1,
          eventId,
          runId: newId(deps.clock),
          pipeline: pipeline.name,
          stage: 'source',
          at: deps.clock.now().toISOString(),
          attempt: 1,
          source,
          data: { trigger: 'manual', by },
        },
      };
      const { runIds } = await deps.store.startRuns({ id: deliveryId, provider: 'pushline' }, [started]);
      log.info('manual run started', {
        runId: runIds[0],
        pipeline: pipeline.name,
        ref: request.ref,
        commit: source.commit,
        by,
      });
      return (await deps.store.get(runIds[0]!))!.run;
    },
  };
}

export type ManualRun = ReturnType<typeof makeManualRun>;
