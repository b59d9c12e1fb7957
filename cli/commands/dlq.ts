import type { Command } from 'commander';
import type { DeadLetter } from '../../shared/aws/dlq.ts';
import type { SetExitCode } from './index.ts';

interface QueueOptions {
  bus?: string;
  table?: string;
  queueUrl?: string;
  function?: string;
  stage: string;
  stack?: string;
  region?: string;
  max: string;
  json?: boolean;
}

/**
 * `pushline dlq list` and `pushline dlq redrive` (AWS mode): what failed all its retries — the
 * event's detail-type, run and error — and replaying it (see DeadLetterQueues). Without
 * `--queue-url` or `--function`, `list` shows every dead-letter queue of the stack and its depth.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  const dlq = program
    .command('dlq')
    .description('AWS mode: list and replay the events that failed all their retries (dead-letter queues).');

  withQueueOptions(
    dlq
      .command('list')
      .description(
        'Show the messages of a dead-letter queue (they stay in it), or every queue and its depth.',
      ),
  ).action(async (options: QueueOptions) => {
    await run(setExitCode, async () => {
      const { queues, stack } = await open(options);
      if (!options.queueUrl && !options.function) {
        const summaries = await queues.queues(stack);
        if (options.json) return console.log(JSON.stringify(summaries, null, 2));
        if (summaries.length === 0) return console.log(`no dead-letter queues found for stack ${stack}`);
        for (const q of summaries) console.log(`${String(q.messages).padStart(5)}  ${q.name}`);
        return;
      }
      const url = options.queueUrl ?? (await queues.queueUrlOf(stack, options.function!));
      const letters = await queues.list(url, { max: maxOf(options) });
      if (options.json) return console.log(JSON.stringify(letters.map(withoutHandle), null, 2));
      console.log(letters.length === 0 ? `${url}: empty` : letters.map(formatLetter).join('\n'));
    });
  });

  withQueueOptions(
    dlq
      .command('redrive')
      .description('Replay the messages of a dead-letter queue and delete the ones replayed.')
      .option('--bus <name>', 'the Pushline event bus (default: pushline-<stage>)')
      .option(
        '--table <name>',
        "the table a pipe dead letter's runs are republished from (default: pushline-<stage>)",
      ),
  ).action(async (options: QueueOptions & { bus?: string }) => {
    await run(setExitCode, async () => {
      if (!options.queueUrl && !options.function) {
        throw new UsageError(
          'name the queue: --queue-url <url> or --function <name> (see pushline dlq list)',
        );
      }
      const { queues, stack, busName } = await open(options);
      const url = options.queueUrl ?? (await queues.queueUrlOf(stack, options.function!));
      const report = await queues.redrive(url, {
        busName,
        max: maxOf(options),
      });
      if (options.json)
        return console.log(JSON.stringify(report, (k, v) => (k === 'receiptHandle' ? undefined : v), 2));
      if (report.mode === 'move-task')
        return console.log(
          `SQS is moving the messages back to their source queue (task ${report.taskHandle})`,
        );
      console.log(`replayed ${report.replayed.length}, left ${report.skipped.length} in the queue`);
      for (const { letter, reason } of report.skipped) console.log(`  kept ${letter.messageId}: ${reason}`);
      if (report.skipped.length > 0) setExitCode(1);
    });
  });
}

function withQueueOptions(command: Command): Command {
  return command
    .option('--queue-url <url>', 'the dead-letter queue')
    .option(
      '--function <name>',
      "a function's dead-letter queue (e.g. finish-deployment; outbox for the pipe's)",
    )
    .option('--stage <stage>', 'the deployed stage', 'dev')
    .option('--stack <name>', 'the CloudFormation stack (default: pushline-<stage>)')
    .option('--region <region>', 'the AWS region (default: the SDK configuration, e.g. AWS_REGION)')
    .option('--max <n>', 'at most this many messages', '100')
    .option('--json', 'print JSON');
}

/** The AWS clients, loaded only when a dlq command runs (every other command starts without the SDK). */
async function open(options: QueueOptions) {
  // One at a time: Jest's ESM loader (the CLI tests) can trip on parallel imports sharing a module.
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const { DeadLetterQueues } = await import('../../shared/aws/dlq.ts');
  const config = options.region ? { region: options.region } : {};
  const events = new EventBridgeClient(config);
  const busName = options.bus ?? `pushline-${options.stage}`;
  const tableName = options.table ?? `pushline-${options.stage}`;
  return {
    stack: options.stack ?? `pushline-${options.stage}`,
    busName,
    queues: new DeadLetterQueues({
      sqs: new SQSClient(config),
      events,
      lambda: new LambdaClient(config),
      // A pipe dead letter names a batch of the stream: its runs are republished from the stage's
      // table. What that takes (the store, the streams client) loads only when one is replayed.
      moveStreamBatch: async (batch) => {
        const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
        const { DynamoDBStreamsClient } = await import('@aws-sdk/client-dynamodb-streams');
        const { DynamoRunStore } = await import('../../shared/aws/dynamo-run-store.ts');
        const { Republisher } = await import('../../shared/aws/republish.ts');
        const { streamBatchMover } = await import('../../shared/aws/outbox-redrive.ts');
        const store = new DynamoRunStore({ client: new DynamoDBClient(config), tableName });
        const mover = streamBatchMover(
          new DynamoDBStreamsClient(config),
          new Republisher({ store, events, busName }),
        );
        return mover(batch);
      },
    }),
  };
}

function maxOf(options: QueueOptions): number {
  const max = Number(options.max);
  if (!Number.isInteger(max) || max < 1)
    throw new UsageError(`--max must be a whole number from 1, not "${options.max}"`);
  return max;
}

/** One line per letter: when, what, which run, why. */
export function formatLetter(letter: DeadLetter): string {
  const what =
    letter.kind === 'stream-batch' && letter.batch
      ? `outbox batch of ${letter.batch.batchSize ?? '?'} record(s) in ${letter.batch.shardId} from ${letter.batch.startSequenceNumber}`
      : (letter.detailType ?? (letter.kind === 'unknown' ? 'unreadable message' : 'event'));
  const parts = [
    letter.sentAt ?? '-',
    what,
    letter.runId ? `run ${letter.runId}` : undefined,
    letter.functionArn ? `→ ${letter.functionArn.split(':').slice(-1)[0]}` : undefined,
    letter.condition,
    letter.error ? `error: ${letter.error}` : undefined,
    `(${letter.messageId})`,
  ];
  return parts.filter(Boolean).join('  ');
}

function withoutHandle({ receiptHandle: _, ...letter }: DeadLetter) {
  return letter;
}

class UsageError extends Error {}

/** Runs an AWS command, turning the SDK's configuration errors into a sentence and an exit code. */
async function run(setExitCode: SetExitCode, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    console.error(`pushline dlq: ${explain(error)}`);
    setExitCode(1);
  }
}

/** What went wrong, said for a person: missing credentials or region first. */
export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message)) {
    return 'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws sso login`';
  }
  if (/Region is missing/i.test(error.message)) {
    return 'no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)';
  }
  if (['AccessDenied', 'AccessDeniedException'].includes(error.name)) return `not allowed: ${error.message}`;
  if (error.name === 'AWS.SimpleQueueService.NonExistentQueue' || error.name === 'QueueDoesNotExist') {
    return `no such queue: ${error.message}`;
  }
  return error.message;
}
