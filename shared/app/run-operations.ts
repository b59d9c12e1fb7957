import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../domain/errors.ts';
import { endingStage } from '../domain/next-step.ts';
import { mayDecide, personOf } from '../domain/people.ts';
import type { PipelineConfig, PushlineFile } from '../domain/pipeline-config.ts';
import { isTerminal, type Run, rejection, retryStage, StageStatus } from '../domain/run.ts';
import type { Builder } from '../ports/builder.ts';
import type { Clock } from '../ports/clock.ts';
import type { Deployer } from '../ports/deployer.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RunStore } from '../ports/run-store.ts';
import { describeError } from './error-policy.ts';
import { newEvent } from './new-event.ts';
import { recordEvents } from './record-events.ts';

export interface RunOperationsDeps {
  store: RunStore;
  clock: Clock;
  pipelines: (name: string) => PipelineConfig | undefined;
  /** The pipeline file's `people`: approvers are named there, identities map to names. */
  people: () => PushlineFile['people'];
  /** What cancel stops: a build under way, a deployment under way (rolled back). */
  builder: Pick<Builder, 'stop'>;
  deployer: Pick<Deployer, 'rollback'>;
  logger?: Logger;
}

/** Who acts, as the edge knows them: a name, a login, a Slack user id or a token's name. */
export interface Actor {
  by: string;
}

/** What a cancel stopped, and what it could not (the run is cancelled all the same). */
export interface Cancelled {
  run: Run;
  stopped: string[];
  notStopped: { id: string; error: string }[];
}

/** The run's state as a conflict reports it: enough to see why the action did not fit. */
function stateOf(run: Run) {
  return {
    id: run.id,
    status: run.status,
    stages: Object.fromEntries(Object.entries(run.stages).map(([stage, state]) => [stage, state.status])),
  };
}

function conflict(run: Run, message: string): ConflictError {
  return new ConflictError(`run ${run.id} ${message}`, { run: stateOf(run) });
}

function required(value: string | undefined, what: string): string {
  const text = value?.trim();
  if (!text) throw new ValidationError(`${what} is required`);
  return text;
}

/** What deciding at the gate needs: no stopper, since a decision never stops anything. */
export type RunDecisionsDeps = Omit<RunOperationsDeps, 'builder' | 'deployer'>;

/**
 * Decisions at the approval gate — approve, reject — alone: what a caller that may only decide
 * (Slack's buttons on AWS) is given, so that it needs no builder or deployer to stop anything
 * (and its role no StopBuild or StopDeployment). `makeRunOperations` adds retry and cancel.
 */
export function makeRunDecisions(deps: RunDecisionsDeps) {
  const { store, clock } = deps;
  const log = deps.logger ?? silentLogger;

  /** The gate `run` waits at, and who decides, by name; throws when it cannot be decided by `by`. */
  function decider(run: Run, by: string): string {
    if (isTerminal(run)) throw conflict(run, `has ended (${run.status}); there is nothing to decide`);
    if (run.stages.approval.status !== StageStatus.Running) {
      throw conflict(run, `is not waiting for approval (approval is ${run.stages.approval.status})`);
    }
    const people = deps.people();
    const name = personOf(people, by);
    const approvers = run.approval?.approvers ?? [];
    if (!mayDecide(approvers, people, by)) {
      throw new ForbiddenError(
        `${name} may not decide on run ${run.id}: the approvers are ${approvers.join(', ')}`,
      );
    }
    return name;
  }

  return {
    /** Approves the gate `runId` waits at; the run goes on to the canary. */
    async approve(runId: string, { by, comment }: Actor & { comment?: string }): Promise<Run> {
      required(by, 'who approves (by)');
      return decide(store, runId, (run) => {
        const name = decider(run, by);
        const note = comment?.trim();
        log.info('approved', { runId, by: name });
        return [
          newEvent('Approved', run, 'approval', { by: name, ...(note ? { comment: note } : {}) }, clock),
        ];
      });
    },

    /** Rejects at the gate: the run ends `failed`, "rejected by <who>: <reason>". */
    async reject(runId: string, { by, reason }: Actor & { reason?: string }): Promise<Run> {
      required(by, 'who rejects (by)');
      const why = required(reason, 'a reason');
      return decide(store, runId, (run) => {
        const name = decider(run, by);
        log.info('rejected', { runId, by: name });
        return [
          newEvent('Rejected', run, 'approval', { by: name, reason: why }, clock),
          newEvent(
            'Run Finished',
            run,
            'approval',
            { outcome: 'failed', reason: rejection(name, why) },
            clock,
          ),
        ];
      });
    },
  };
}

export type RunDecisions = ReturnType<typeof makeRunDecisions>;

/** Appends what `events` decides on the freshly read run (recordEvents), and returns the run after it. */
async function decide(store: RunStore, runId: string, events: (run: Run) => PipelineEvent[]): Promise<Run> {
  await recordEvents(store, runId, events);
  return (await store.get(runId))!.run;
}

/**
 * Runs operated by hand — approve or reject at the gate (`makeRunDecisions`), retry, cancel — the
 * same in both modes: local mode's API and the AWS `api` function call these, each through
 * `recordEvents`, so an action is decided on the freshly read run and appended once. Every action
 * that does not fit the run's state throws `ConflictError` (409) carrying the state; an unknown
 * run `NotFoundError` (404); someone who may not decide `ForbiddenError` (403); a missing reason
 * `ValidationError` (400). What an action starts next (the canary after an approval) is the
 * choreography's, through the events it appends.
 */
export function makeRunOperations(deps: RunOperationsDeps) {
  const { store, clock } = deps;
  const log = deps.logger ?? silentLogger;

  return {
    ...makeRunDecisions(deps),

    /**
     * Retries a run that failed or timed out: a new attempt (`Run Retried`, attempt + 1) from the
     * stage that failed — the stages before it keep what they did (a build's artifacts are reused,
     * nothing is built again when the build had passed), and that stage's handler starts it
     * again. Late events of the earlier attempt are ignored by the fold.
     */
    async retry(runId: string, { by, reason }: Actor & { reason?: string }): Promise<Run> {
      const name = personOf(deps.people(), required(by, 'who retries (by)'));
      const why = reason?.trim();
      return decide(store, runId, (fresh) => {
        const from = retryStage(fresh);
        if ('refused' in from) throw conflict(fresh, from.refused);
        if (!deps.pipelines(fresh.pipeline)) {
          throw conflict(
            fresh,
            `belongs to pipeline "${fresh.pipeline}", which is no longer in the pipeline file`,
          );
        }
        log.info('retried', { runId, by: name, from: from.stage, attempt: fresh.attempt + 1 });
        const next = { ...fresh, attempt: fresh.attempt + 1 };
        const data = { by: name, previousAttempt: fresh.attempt, ...(why ? { reason: why } : {}) };
        return [newEvent('Run Retried', next, from.stage, data, clock)];
      });
    },

    /**
     * Cancels a running run: `Run Finished` (cancelled, "cancelled by <who>: <reason>") is recorded
     * first — what the run does from then on is ignored by the fold — then what it was doing is
     * stopped: its build (the process group locally, StopBuild on AWS), a staging deployment, a
     * canary or a promotion (rolled back: all traffic on the stable release). A stop that fails is
     * noted on the run and reported; the run stays cancelled.
     */
    async cancel(runId: string, { by, reason }: Actor & { reason?: string }): Promise<Cancelled> {
      const name = personOf(deps.people(), required(by, 'who cancels (by)'));
      const why = reason?.trim();
      const text = `cancelled by ${name}${why ? `: ${why}` : ''}`;
      let before: Run | undefined;
      const run = await decide(store, runId, (fresh) => {
        if (isTerminal(fresh)) throw conflict(fresh, `has already ended (${fresh.status})`);
        before = fresh;
        return [
          newEvent('Run Finished', fresh, endingStage(fresh), { outcome: 'cancelled', reason: text }, clock),
        ];
      });
      const result: Cancelled = { run, stopped: [], notStopped: [] };
      for (const target of underWay(before!)) {
        try {
          if (target.kind === 'build') await deps.builder.stop(target.id, text);
          else await deps.deployer.rollback(target.id, text);
          result.stopped.push(target.id);
        } catch (error) {
          result.notStopped.push({ id: target.id, error: describeError(error) });
          await store.addNote(runId, {
            at: clock.now().toISOString(),
            kind: 'cancel',
            message: `could not stop ${target.kind} ${target.id}: ${describeError(error)}`,
          });
        }
      }
      log.info('cancelled', { runId, by: name, stopped: result.stopped, notStopped: result.notStopped });
      return result;
    },
  };
}

export type RunOperations = ReturnType<typeof makeRunOperations>;

/** What a running run is doing that a cancel must stop. */
function underWay(run: Run): { kind: 'build' | 'deployment'; id: string }[] {
  const { build, staging, canary, production } = run.stages;
  const targets: { kind: 'build' | 'deployment'; id: string }[] = [];
  if (build.status === StageStatus.Running && run.build)
    targets.push({ kind: 'build', id: run.build.buildId });
  if (staging.status === StageStatus.Running && run.staging?.deploymentId) {
    targets.push({ kind: 'deployment', id: run.staging.deploymentId });
  }
  const productionId = run.canary?.deploymentId ?? run.production?.deploymentId;
  if ((canary.status === StageStatus.Running || production.status === StageStatus.Running) && productionId) {
    targets.push({ kind: 'deployment', id: productionId });
  }
  return targets;
}
