import type { Command } from 'commander';
import type { RepublishReport } from '../../shared/aws/republish.ts';
import { explain } from './dlq.ts';
import type { SetExitCode } from './index.ts';

interface RepublishOptions {
  stage: string;
  table?: string;
  bus?: string;
  region?: string;
  from?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `pushline republish <run>` (AWS mode): puts a run's applied events on the Pushline bus again,
 * read from the table — the way to move on a run whose events the outbox never published (a pipe
 * dead letter, a skipped record), whatever the stream still holds. See shared/aws/republish.ts.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('republish')
    .description(
      "AWS mode: put a run's applied events on the bus again, read from the table, to move on a run the outbox stalled " +
        '(every handler is idempotent by event id: events already handled change nothing).',
    )
    .argument('<run>', 'the run id (whole, short, or a unique tail)')
    .option('--stage <stage>', 'the deployed stage', 'dev')
    .option('--table <name>', 'the DynamoDB table (default: pushline-<stage>)')
    .option('--bus <name>', 'the Pushline event bus (default: pushline-<stage>)')
    .option('--region <region>', 'the AWS region (default: the SDK configuration, e.g. AWS_REGION)')
    .option('--from <seq>', "start at this position of the run's log (see pushline show)")
    .option('--dry-run', 'list what would be published, publish nothing')
    .option('--json', 'print JSON')
    .action(async (text: string, options: RepublishOptions) => {
      const from = options.from === undefined ? undefined : Number(options.from);
      if (from !== undefined && (!Number.isInteger(from) || from < 1)) {
        console.error(`pushline republish: --from must be a log position from 1, not "${options.from}"`);
        return setExitCode(2);
      }
      try {
        const { republisher, store } = await open(options);
        const { resolveRunId } = await import('../../shared/app/resolve-run-id.ts');
        const runId = await resolveRunId(store, text);
        const report = await republisher.republish(runId, { from, dryRun: options.dryRun });
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else console.log(formatReport(report, options.dryRun ?? false));
        if (report.failed.length > 0) setExitCode(1);
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          console.error(
            `pushline republish: no table ${options.table ?? `pushline-${options.stage}`} (is the stack deployed? --stage, --table and --region choose another)`,
          );
          return setExitCode(1);
        }
        console.error(`pushline republish: ${explain(error)}`);
        setExitCode(1);
      }
    });
}

/** The store and the republisher on the stage's table and bus; the SDK loads only when this command runs. */
async function open(options: RepublishOptions) {
  // One at a time: Jest's ESM loader (the CLI tests) can trip on parallel imports sharing a module.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { DynamoRunStore } = await import('../../shared/aws/dynamo-run-store.ts');
  const { Republisher } = await import('../../shared/aws/republish.ts');
  const config = options.region ? { region: options.region } : {};
  const store = new DynamoRunStore({
    client: new DynamoDBClient(config),
    tableName: options.table ?? `pushline-${options.stage}`,
  });
  const republisher = new Republisher({
    store,
    events: new EventBridgeClient(config),
    busName: options.bus ?? `pushline-${options.stage}`,
  });
  return { store, republisher };
}

export function formatReport(report: RepublishReport, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'would republish' : 'republished'} ${report.published.length} event(s) of run ${report.runId}`,
    ...report.published.map((e) => `  ${String(e.seq).padStart(3)}  ${e.detailType}  (${e.eventId})`),
  ];
  if (report.failed.length > 0) {
    lines.push(`refused by PutEvents after retries: ${report.failed.length}`);
    for (const e of report.failed) lines.push(`  ${String(e.seq).padStart(3)}  ${e.detailType}: ${e.error}`);
  }
  return lines.join('\n');
}
