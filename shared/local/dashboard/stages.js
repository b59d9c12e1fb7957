// What the dashboard reads off a run as the JSON API gives it (`GET /api/runs`, `GET /api/runs/:id`).

/** The stages in the order a run goes through them. */
export const STAGES = ['source', 'build', 'staging', 'approval', 'canary', 'production'];

/** The API lists a run's stages in order: `[{ name, status, startedAt, durationSeconds, reason }]`. */
export function stageOf(run, name) {
  return run.stages.find((stage) => stage.name === name) ?? { name, status: 'pending' };
}

/**
 * The stages a person is shown: every one, but the approval gate only once a gate was requested
 * (`run.approval`), as `pushline show` does (`visibleStages` in shared/domain/run.ts).
 */
export function shownStages(run) {
  return STAGES.filter((name) => name !== 'approval' || run.approval).map((name) => stageOf(run, name));
}

/** Whether the run waits at its gate now: someone may approve or reject it. */
export function waitsForApproval(run) {
  return (
    run.status === 'running' &&
    Boolean(run.approval) &&
    !run.approval.decision &&
    stageOf(run, 'approval').status === 'running'
  );
}

/** Where the release waiting at the gate can be looked at: the staging URL, if known. */
export function stagingUrl(run) {
  const requested = (run.events ?? []).findLast((entry) => entry.detailType === 'Approval Requested');
  return run.staging?.url ?? requested?.data?.stagingUrl;
}

/** A stage's status as people say it: a running gate is waiting for approval. */
export function stageWords(stage) {
  if (stage.name === 'approval' && stage.status === 'running') return 'waiting for approval';
  return stage.status.replaceAll('_', ' ');
}
