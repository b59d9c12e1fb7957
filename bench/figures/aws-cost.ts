import type { DetailType } from '../../events/pipeline-events.ts';
import { subscribersOf } from '../../functions/subscriptions.ts';
import { startPushRuns } from '../../shared/sources/start-push-runs.ts';
import { startBenchApp, untilAllEnded } from '../lib/bench-app.ts';
import type { BenchOptions, Figure, FigureResult } from '../lib/figure.ts';
import { fmt } from '../lib/figure.ts';
import { push } from './choreography.ts';

/** List prices, us-east-1, December 2026 (per unit). */
export const PRICES = {
  httpApiRequest: 1.0 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  eventBridgeEvent: 1.0 / 1e6,
  pipesRequest: 0.4 / 1e6,
  schedulerInvocation: 1.0 / 1e6,
  getMetricDataMetric: 0.01 / 1000,
  describeAlarmsRequest: 0.01 / 1000,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  codePipelineV2ActionMinute: 0.002,
} as const;

/** The canary of the `web` pipeline in docs/aws.md: checked every minute for 10 minutes on 3 metrics. */
const CANARY = { checks: 10, metrics: 3 };
/** Lambda: memory of the functions (serverless/functions.ts) and a billed duration per invocation. */
const LAMBDA = { gb: 0.5, seconds: 0.2 };
/** CodePipeline V2 running the same stages: build ~3 min, staging deploy ~2 min, canary deploy 2 + 10 min. */
const CODEPIPELINE_ACTION_MINUTES = 3 + 2 + 12;

/**
 * AWS cost per successful run, from the calls the run makes: the pipeline events a real run
 * appends (run through local mode's handlers), the functions the subscription table sends each one
 * to, and the canary's checks — at list prices. The baseline: CodePipeline V2 orchestrating the
 * same stages, billed per action minute. CodeBuild and CodeDeploy themselves are left out of both.
 */
export const awsCostFigure: Figure = {
  id: 9,
  name: 'AWS cost per run',
  async run(_options: BenchOptions): Promise<FigureResult[]> {
    const bench = await startBenchApp([{ name: 'web', repo: 'bench/web' }]);
    let events: DetailType[];
    try {
      const { kind } = await startPushRuns(
        bench.app,
        { id: 'd-1', provider: 'github' },
        bench.app.config(),
        push('bench/web', 1),
      );
      if (kind !== 'started') throw new Error(`the push did not start a run (${kind})`);
      await untilAllEnded(bench.app, 30_000);
      const [run] = (await bench.app.store.list({})).runs;
      if (run?.status !== 'succeeded') throw new Error(`the run ended ${run?.status}`);
      events = (await bench.app.store.log(run.id))
        .filter((e) => e.disposition === 'applied')
        .map((e) => e.detailType);
    } finally {
      await bench.close();
    }
    const handlerInvocations = events.reduce((n, type) => n + subscribersOf(type).length, 0);
    // receive-github, one publish (enrichment) per event, the canary checks, the lifecycle hook
    const lambdaRequests = 1 + events.length + handlerInvocations + CANARY.checks + 1;
    const calls = {
      httpApiRequests: 1,
      lambdaRequests,
      lambdaGbSeconds: lambdaRequests * LAMBDA.seconds * LAMBDA.gb,
      eventBridgeEvents: events.length,
      pipesRequests: events.length,
      schedulerInvocations: CANARY.checks,
      getMetricDataMetrics: CANARY.checks * 2 * (CANARY.metrics + 1),
      describeAlarmsRequests: CANARY.checks * 2,
      // each append ~8 WRU (snapshot + entries), startRuns ~10, links, notify claims (docs/aws.md)
      dynamoWriteUnits: 10 + events.length * 8 + 3 + 35,
      dynamoReadUnits: 60,
    };
    const cost =
      calls.httpApiRequests * PRICES.httpApiRequest +
      calls.lambdaRequests * PRICES.lambdaRequest +
      calls.lambdaGbSeconds * PRICES.lambdaGbSecond +
      calls.eventBridgeEvents * PRICES.eventBridgeEvent +
      calls.pipesRequests * PRICES.pipesRequest +
      calls.schedulerInvocations * PRICES.schedulerInvocation +
      calls.getMetricDataMetrics * PRICES.getMetricDataMetric +
      calls.describeAlarmsRequests * PRICES.describeAlarmsRequest +
      calls.dynamoWriteUnits * PRICES.dynamoWriteUnit +
      calls.dynamoReadUnits * PRICES.dynamoReadUnit;
    const baseline = CODEPIPELINE_ACTION_MINUTES * PRICES.codePipelineV2ActionMinute;
    return [
      {
        id: '9',
        name: `AWS cost per successful run (${events.length} events, ${lambdaRequests} Lambda invocations, ${CANARY.checks} canary checks)`,
        value: `$${fmt.n(cost, 5)}`,
        baseline: `CodePipeline V2, ${CODEPIPELINE_ACTION_MINUTES} action minutes: $${fmt.n(baseline, 3)}`,
        ratio: cost / baseline,
        goal: '≤ 0.1×',
        pass: cost / baseline <= 0.1,
        detail: { events, calls, prices: PRICES },
      },
    ];
  },
};
