import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { type DeployedStack, StackUnreadableError } from './deployed-stack.ts';

/** The AWS clients the checks use, one per service. */
export interface CheckClients {
  cloudformation: CloudFormationClient;
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
  iam: IAMClient;
  scheduler: SchedulerClient;
  secretsManager: SecretsManagerClient;
  sqs: SQSClient;
  ssm: SSMClient;
}

/** What every check gets: the clients, the stage and the deployed stack (read once, lazily). */
export interface CheckContext {
  clients: CheckClients;
  stage: string;
  stack(): Promise<DeployedStack>;
  /** Waits; the outbox probe polls with it (tests pass one that does not wait). */
  sleep(ms: number): Promise<void>;
  /** A fresh id for what a check creates, so two checks at once never clash. */
  probeId: string;
  /** How long the outbox probe waits for its event (60 s unless told). */
  probeTimeoutMs?: number;
  /** `fetch`, for the webhook ping (tests pass one to a local server). */
  fetch?: typeof fetch;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found, in one line. */
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

/** One check: its name (for `--only`), what it proves (for `--help`), and the proof. */
export interface SelfCheck {
  name: string;
  proves: string;
  run(context: CheckContext): Promise<Omit<CheckResult, 'name'>>;
}

/** A failed check's result, said once. */
export function failed(detail: string, fix: string): Omit<CheckResult, 'name'> {
  return { ok: false, detail, fix };
}

/**
 * Runs the checks in order, each on its own: one that throws is a failure with the error's
 * message (never the end of the run), so every line is printed whatever happens before it.
 */
export async function runChecks(checks: readonly SelfCheck[], context: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push({ name: check.name, ...(await check.run(context)) });
    } catch (error) {
      if (error instanceof StackUnreadableError) {
        // Said once, by the first check that needed the stack; the others are not run.
        const said = results.some((r) => r.detail === error.message);
        results.push(
          said
            ? { name: check.name, ok: false, detail: 'not run: the stack could not be read (see above)' }
            : {
                name: check.name,
                ok: false,
                detail: error.message,
                fix: 'deploy the stack, or name it (--stack, --stage, --region)',
              },
        );
        continue;
      }
      results.push({
        name: check.name,
        ok: false,
        detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        fix: 'see the error; check the AWS credentials, region and --stage',
      });
    }
  }
  return results;
}
