import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { foldEvents, type Run } from '../../shared/domain/run.ts';
import { SqliteRunStore } from '../../shared/local/sqlite-run-store.ts';
import { SlackBotNotifier } from '../../shared/notify/slack-bot-notifier.ts';
import type { LogEntry } from '../../shared/ports/run-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../contract/aws/support/dynalite-server.ts';
import { createPushlineTable, localClient } from '../contract/aws/support/pushline-table.ts';
import {
  type Choreography,
  createChoreography,
  type OutboxStore,
  recordingAppends,
} from '../support/choreography.ts';
import type { FakeClock } from '../support/fake-clock.ts';
import { failingSamples, healthySamples } from '../support/fake-metrics.ts';
import { commitOf, pipelineConfig } from '../support/runs.ts';

/**
 * Issue 14, event storms: EventBridge delivers at least once and in any order. Runs go through the
 * real stage handlers and stores while every pipeline event's delivery to each subscriber is
 * pooled and made in a random order, 30 % of them again later — and every run must end exactly as
 * it does when the same pushes are delivered in order, once: same outcome, reason and stages, a
 * log that folds to its snapshot, one Slack message per run and no thread reply twice, nothing
 * left waiting. `PUSHLINE_STORM_RUNS` sets the runs (default 120 on SQLite, a sixth of that on
 * dynalite; the figure is 500 runs, ~10,000 events), `PUSHLINE_STORM_SEED` the seed.
 */

const RUNS = Number(process.env.PUSHLINE_STORM_RUNS ?? 120);
const SEED = Number(process.env.PUSHLINE_STORM_SEED ?? 14);

/** What Slack was asked, by run: top-level posts, thread replies and updates. */
function fakeSlack() {
  const posts = new Map<string, { posts: number; replies: string[]; updates: number }>();
  let ts = 1_700_000_000;
  const byTs = new Map<string, string>();
  const of = (runId: string) => {
    if (!posts.has(runId)) posts.set(runId, { posts: 0, replies: [], updates: 0 });
    return posts.get(runId)!;
  };
  const runIdIn = (text: unknown) => /runs\/([0-9A-Z]{26})/.exec(JSON.stringify(text))?.[1] ?? 'unknown';
  const client = {
    chat: {
      postMessage: async (message: { thread_ts?: string; text?: string; blocks?: unknown }) => {
        if (message.thread_ts) {
          of(byTs.get(message.thread_ts)!).replies.push(message.text ?? '');
          return { ok: true, channel: 'C0DEPLOYS', ts: `${++ts}.000100` };
        }
        const runId = runIdIn(message.blocks);
        of(runId).posts++;
        const id = `${++ts}.000100`;
        byTs.set(id, runId);
        return { ok: true, channel: 'C0DEPLOYS', ts: id };
      },
      update: async (message: { ts: string }) => {
        of(byTs.get(message.ts)!).updates++;
        return { ok: true, channel: 'C0DEPLOYS', ts: message.ts };
      },
    },
  };
  return { client, posts };
}

/** `runs` pushes, one pipeline each, whose builds, staging deployments and canaries fail by a rule of their number. */
async function storm(
  runs: number,
  options: { chaos?: { seed: number; duplicate: number }; makeStore?: (clock: FakeClock) => OutboxStore },
) {
  const index = new Map<string, number>();
  const nth = (runId: string) => index.get(runId) ?? -1;
  const slack = fakeSlack();
  let flow: Choreography;
  flow = createChoreography({
    pipelines: Array.from({ length: runs }, (_, i) =>
      pipelineConfig({ name: `p${i}`, notifications: { slack: { channel: '#deploys' } } }),
    ),
    build: (request) =>
      nth(request.runId) % 7 === 3
        ? {
            status: 'FAILED',
            phase: 'BUILD',
            reason: 'npm test exited with 1',
            failingTests: ['checkout › pays'],
          }
        : { status: 'SUCCEEDED' },
    deploy: (request) =>
      nth(request.runId) % 11 === 5
        ? { status: 'FAILED', errorCode: 'HEALTH_CONSTRAINTS', reason: 'health check failed' }
        : { status: 'SUCCEEDED' },
    metrics: ({ deploymentId }) =>
      nth(deploymentId.split('-')[1]!) % 5 === 2 ? failingSamples() : healthySamples(),
    notifiers: async () => [
      new SlackBotNotifier({
        client: slack.client as never,
        store: flow.store,
        clock: flow.clock,
        dashboardUrl: 'http://localhost:8787',
      }),
    ],
    ...options,
  });
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const id = await flow.push(`p${i}`, commitOf(i + 1));
    index.set(id, i);
    ids.push(id);
  }
  await flow.settle(runs * 400);
  const ended = await Promise.all(ids.map((id) => flow.run(id)));
  const logs = await Promise.all(ids.map((id) => flow.store.log(id)));
  return { flow, ids, ended, logs, slack: ids.map((id) => slack.posts.get(id)) };
}

/** A run as the comparison sees it: its outcome, reason and each stage's status and reason. */
const outcome = (run: Run) => ({
  status: run.status,
  reason: run.reason,
  stages: Object.fromEntries(
    Object.entries(run.stages).map(([name, stage]) => [name, [stage.status, stage.reason]]),
  ),
});

/** Problems of one log: seq not 1…n, an event id twice, a snapshot its applied entries do not fold to. */
function logProblems(log: readonly LogEntry[], run: Run): string[] {
  const problems: string[] = [];
  for (const [i, entry] of log.entries())
    if (entry.seq !== i + 1) problems.push(`seq ${entry.seq} at ${i + 1}`);
  if (new Set(log.map((e) => e.eventId)).size !== log.length) problems.push('an event id twice');
  const events = log
    .filter((entry) => entry.disposition === 'applied')
    .map((entry) => ({ detailType: entry.detailType, detail: entry.detail }) as PipelineEvent);
  const folded = foldEvents(events)!;
  if (JSON.stringify(outcome(folded)) !== JSON.stringify(outcome(run)))
    problems.push('the snapshot is not the fold of its log');
  return problems;
}

describe('an event storm: every delivery in a random order, 30 % of them twice', () => {
  let ordered: Awaited<ReturnType<typeof storm>>;
  let dynamo: LocalDynamo;
  let table: string;

  beforeAll(async () => {
    ordered = await storm(RUNS, {});
    dynamo = await startLocalDynamo();
    table = await createPushlineTable(localClient(dynamo.endpoint), 'pushline-storm');
  }, 120_000);
  afterAll(async () => {
    await dynamo?.close();
  });

  it('the ordered runs end in every way the rules say (the reference)', () => {
    const statuses = ordered.ended.map((run) => run.status);
    expect(new Set(statuses)).toEqual(new Set(['succeeded', 'failed', 'rolled_back']));
    expect(ordered.slack.every((s) => s?.posts === 1)).toBe(true);
  });

  it.each([
    [
      'SQLite',
      RUNS,
      () => (clock: FakeClock) => recordingAppends(new SqliteRunStore({ file: ':memory:', clock })),
    ],
    [
      'DynamoDB (dynalite)',
      Math.ceil(RUNS / 6),
      () => (clock: FakeClock) =>
        recordingAppends(
          new DynamoRunStore({ client: localClient(dynamo.endpoint), tableName: table, clock }),
        ),
    ],
  ] as const)(
    'on %s, %i runs end as the ordered ones did, with logs that fold to their snapshots and one Slack message each',
    async (_store, runs, makeStore) => {
      const stormy = await storm(runs, { chaos: { seed: SEED, duplicate: 0.3 }, makeStore: makeStore() });

      const { total, duplicates } = stormy.flow.deliveries;
      expect(duplicates / total).toBeGreaterThan(0.2);
      expect(stormy.ended.every((run) => run.status !== 'running')).toBe(true);
      expect(stormy.ended.map(outcome)).toEqual(ordered.ended.slice(0, runs).map(outcome));
      expect(
        stormy.ended.flatMap((run, i) => logProblems(stormy.logs[i]!, run).map((p) => `run ${i}: ${p}`)),
      ).toEqual([]);
      // Slack: one message per run, and the same thread replies as in order (none twice).
      expect(stormy.slack.map((s) => s?.posts)).toEqual(ordered.slack.slice(0, runs).map((s) => s?.posts));
      expect(stormy.slack.map((s) => s?.replies.length)).toEqual(
        ordered.slack.slice(0, runs).map((s) => s?.replies.length),
      );
      if (process.env.PUSHLINE_STORM_RUNS) {
        const events = stormy.logs.reduce((n, log) => n + log.length, 0);
        console.log(
          `${_store}: ${runs} runs, ${events} events, ${total} deliveries (${duplicates} duplicated), seed ${SEED}`,
        );
      }
    },
    600_000,
  );
});
