import type { RetentionConfig } from './pipeline-config.ts';

/** One build's folder as the retention plan sees it (local mode: `<data>/builds/<build>/`). */
export interface RetainedBuild {
  buildId: string;
  runId: string;
  /** `IN_PROGRESS` while it runs; its outcome once it ended. */
  status: string;
  startedAt: string;
  endedAt?: string;
  /** Its `artifacts/` folder is still there. */
  hasArtifacts: boolean;
}

export interface RetentionFacts {
  now: Date;
  retention: RetentionConfig;
  builds: readonly RetainedBuild[];
  /** The runs still running: their builds are never touched. */
  runningRuns: ReadonlySet<string>;
  /** The build ids the last `retention.releases` production releases of each pipeline deployed. */
  releaseBuilds: ReadonlySet<string>;
  /** The build ids an app process runs from now (staging, production, a canary). */
  servingBuilds: ReadonlySet<string>;
}

export interface RetentionPlan {
  /** Folders to remove whole: log, artifacts, build.json. */
  removeBuilds: RetainedBuild[];
  /** Builds whose artifacts go (`retention.artifacts` after they ended; the log stays longer). */
  removeArtifacts: RetainedBuild[];
  /** Finished runs that started before this go, with their event logs, unless a release keeps them. */
  runsStartedBefore: Date;
}

/**
 * What the data folder may drop now, decided purely from the facts (`pruneDataFolder` gathers them
 * and carries the plan out). Never touched: a build still running, a build of a running run, the
 * build of one of the last `releases` production releases (a redeploy starts from its artifacts),
 * and a build an app process runs from. Every other build loses its artifacts `artifacts` after it
 * ended (its run has ended too), and its whole folder `builds` after it ended.
 */
export function planRetention(facts: RetentionFacts): RetentionPlan {
  const now = facts.now.getTime();
  const plan: RetentionPlan = {
    removeBuilds: [],
    removeArtifacts: [],
    runsStartedBefore: new Date(now - facts.retention.runs * 1000),
  };
  for (const build of facts.builds) {
    if (build.status === 'IN_PROGRESS' || facts.runningRuns.has(build.runId)) continue;
    if (facts.releaseBuilds.has(build.buildId) || facts.servingBuilds.has(build.buildId)) continue;
    const ended = Date.parse(build.endedAt ?? build.startedAt);
    const age = Number.isFinite(ended) ? now - ended : Number.POSITIVE_INFINITY;
    if (age >= facts.retention.builds * 1000) plan.removeBuilds.push(build);
    else if (build.hasArtifacts && age >= facts.retention.artifacts * 1000) plan.removeArtifacts.push(build);
  }
  return plan;
}
