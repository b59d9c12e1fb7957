import type { Stage } from '../../../../events/common.ts';
import type { DetailOf, DetailType, EventOf, PipelineEvent } from '../../../../events/pipeline-events.ts';
import type { SourcePush } from '../../../../events/source-push.ts';
import { newEvent, newId } from '../../../../shared/app/new-event.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import type { Run } from '../../../../shared/domain/run.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import type { Clock } from '../../../../shared/ports/clock.ts';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(private millis = Date.parse('2025-03-04T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.millis);
  }
  advance(seconds: number): void {
    this.millis += seconds * 1000;
  }
}

export const COMMIT = '3f2a9c1d4e5b6a7980f1e2d3c4b5a69788796a5b';

export function source(overrides: Partial<SourcePush> = {}): SourcePush {
  return {
    provider: 'github',
    repo: 'acme/web',
    ref: 'refs/heads/main',
    branch: 'main',
    commit: COMMIT,
    message: 'Fix login redirect for <script> & friends\n\nThe long explanation.',
    author: 'Ada Lovelace',
    pushedAt: '2025-03-04T09:59:58.000Z',
    url: 'https://github.com/acme/web/compare/1111111...3f2a9c1',
    ...overrides,
  };
}

export function pipeline(overrides: Record<string, unknown> = {}): PipelineConfig {
  return PipelineConfig.parse({
    name: 'web',
    source: { github: 'acme/web' },
    notifications: { slack: { channel: '#deploys', mentionOnFailure: 'S0123ABCD' } },
    ...overrides,
  });
}

/** One step of a scripted run: seconds to wait, then the event to append. */
export type Step = {
  after: number;
  detailType: Exclude<DetailType, 'Run Started'>;
  stage: Stage;
  data: unknown;
};

const verdict = (result: 'healthy' | 'unhealthy') => ({
  result,
  reason: result === 'healthy' ? 'every metric within its threshold' : 'error_rate above its threshold',
  metrics: [
    result === 'healthy'
      ? { metric: 'error_rate', result: 'pass', reason: '0.2% ≤ 1%', value: 0.002, threshold: 0.01 }
      : { metric: 'error_rate', result: 'fail', reason: '4.2% > 1%', value: 0.042, threshold: 0.01 },
    { metric: 'latency_p95', result: 'pass', reason: '310 ms ≤ 1000 ms', value: 310, threshold: 1000 },
  ],
  alarms: [],
  requests: 1200,
  judgedAt: '2025-03-04T10:07:00.000Z',
});

const TO_CANARY: Step[] = [
  {
    after: 2,
    detailType: 'Build Started',
    stage: 'build',
    data: { buildId: 'b-1', logUrl: 'https://logs.example/b-1' },
  },
  {
    after: 42,
    detailType: 'Tests Passed',
    stage: 'build',
    data: {
      buildId: 'b-1',
      tests: { total: 20, passed: 18, failed: 0, skipped: 2 },
      artifacts: { files: [], exportedVariables: {} },
    },
  },
  { after: 1, detailType: 'Staging Started', stage: 'staging', data: { deploymentId: 'd-stg' } },
  {
    after: 65,
    detailType: 'Staging Deployed',
    stage: 'staging',
    data: { deploymentId: 'd-stg', url: 'https://staging.example' },
  },
  {
    after: 2,
    detailType: 'Canary Started',
    stage: 'canary',
    data: { deploymentId: 'd-prod', trafficPercent: 10, intervalSeconds: 60, bakeSeconds: 300 },
  },
];

/** Built and on staging, then waiting at the approval gate that Priya or Tomás may decide. */
export const TO_THE_GATE: Step[] = [
  ...TO_CANARY.slice(0, 4),
  {
    after: 1,
    detailType: 'Approval Requested',
    stage: 'approval',
    data: { approvers: ['Priya', 'Tomás'], timeoutSeconds: 3600 },
  },
];

/** What a rejection appends (run-operations' `reject`): the decision, and the run's end. */
export const REJECTED: Step[] = [
  {
    after: 600,
    detailType: 'Rejected',
    stage: 'approval',
    data: { by: 'Tomás', reason: 'not during the sale' },
  },
  {
    after: 0,
    detailType: 'Run Finished',
    stage: 'approval',
    data: { outcome: 'failed', reason: 'rejected by Tomás: not during the sale' },
  },
];

/** What a cancel appends (run-operations' `cancel`) at the stage the run is at. */
export function cancelled(stage: Stage): Step {
  return {
    after: 30,
    detailType: 'Run Finished',
    stage,
    data: { outcome: 'cancelled', reason: 'cancelled by Priya: wrong branch' },
  };
}

/** Scripts of whole runs, after `Run Started`. */
export const SCRIPTS = {
  succeeded: [
    ...TO_CANARY,
    {
      after: 300,
      detailType: 'Canary Healthy',
      stage: 'canary',
      data: { deploymentId: 'd-prod', verdict: verdict('healthy') },
    },
    {
      after: 30,
      detailType: 'Production Deployed',
      stage: 'production',
      data: { deploymentId: 'd-prod', url: 'https://web.example' },
    },
    { after: 1, detailType: 'Run Finished', stage: 'production', data: { outcome: 'succeeded' } },
  ],
  rolledBack: [
    ...TO_CANARY,
    {
      after: 120,
      detailType: 'Canary Unhealthy',
      stage: 'canary',
      data: { deploymentId: 'd-prod', verdict: verdict('unhealthy') },
    },
    {
      after: 20,
      detailType: 'Rolled Back',
      stage: 'canary',
      data: { deploymentId: 'd-prod', reason: 'canary unhealthy: error_rate 4.2% > 1%' },
    },
    {
      after: 1,
      detailType: 'Run Finished',
      stage: 'canary',
      data: { outcome: 'rolled_back', reason: 'canary unhealthy: error_rate 4.2% > 1%' },
    },
  ],
  buildFailed: [
    TO_CANARY[0]!,
    {
      after: 37,
      detailType: 'Build Failed',
      stage: 'build',
      data: {
        buildId: 'b-1',
        status: 'FAILED',
        phase: 'BUILD',
        reason: 'npm test exited with 1',
        tests: { total: 20, passed: 17, failed: 3, skipped: 0 },
        failingTests: [
          'login › redirects to /home',
          'login › keeps the return URL',
          'api › rejects <bad> input',
        ],
      },
    },
    {
      after: 1,
      detailType: 'Run Finished',
      stage: 'build',
      data: { outcome: 'failed', reason: 'build failed in phase BUILD' },
    },
  ],
} satisfies Record<string, Step[]>;

/** Starts runs and appends scripted events to a `MemoryRunStore`, moving the clock as it goes. */
export class RunDriver {
  readonly store: MemoryRunStore;
  readonly events: PipelineEvent[] = [];
  runId = '';

  constructor(
    readonly clock = new TestClock(),
    store?: MemoryRunStore,
  ) {
    this.store = store ?? new MemoryRunStore({ clock });
  }

  async start(push: SourcePush = source(), name = 'web'): Promise<EventOf<'Run Started'>> {
    this.runId = newId(this.clock);
    const event: EventOf<'Run Started'> = {
      detailType: 'Run Started',
      detail: {
        version: 1,
        eventId: newId(this.clock),
        runId: this.runId,
        pipeline: name,
        at: this.clock.now().toISOString(),
        attempt: 1,
        source: push,
        stage: 'source',
        data: { trigger: 'push' },
      },
    };
    await this.store.startRuns({ id: `delivery-${this.runId}`, provider: push.provider }, [event]);
    this.events.push(event);
    return event;
  }

  /** Appends one event built with `newEvent` from the stored run. */
  async append<T extends Exclude<DetailType, 'Run Started'>>(
    detailType: T,
    stage: Stage,
    data: DetailOf<T>['data'],
    after = 1,
  ): Promise<EventOf<T>> {
    this.clock.advance(after);
    const stored = await this.store.get(this.runId);
    if (!stored) throw new Error(`run ${this.runId} was not started`);
    const event = newEvent(detailType, stored.run, stage as DetailOf<T>['stage'] & Stage, data, this.clock);
    await this.store.append(this.runId, stored.version, [event]);
    this.events.push(event);
    return event;
  }

  async play(steps: readonly Step[]): Promise<PipelineEvent[]> {
    const played: PipelineEvent[] = [];
    for (const step of steps) {
      played.push(await this.append(step.detailType, step.stage, step.data as never, step.after));
    }
    return played;
  }

  async run(): Promise<Run> {
    const stored = await this.store.get(this.runId);
    if (!stored) throw new Error(`run ${this.runId} was not started`);
    return stored.run;
  }
}

/** A whole run's state, for pure render tests. */
export async function runAfter(
  steps: readonly Step[],
  push?: SourcePush,
): Promise<{ run: Run; events: PipelineEvent[]; clock: TestClock }> {
  const driver = new RunDriver();
  await driver.start(push);
  await driver.play(steps);
  return { run: await driver.run(), events: driver.events, clock: driver.clock };
}
