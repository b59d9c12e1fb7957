import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import * as z from '../../events/zod-mini.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventHandler } from '../../shared/aws/lambda/pipeline-event-handler.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { ConfigError } from '../../shared/domain/errors.ts';
import { buildNotifiers, notifySecretNames } from '../../shared/notify/build-notifiers.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeNotify, type NotifyResult } from './notify.ts';

/** The notify function's own settings, beside the ones every function reads. */
const NotifyEnv = z.object({
  /** Base URL of the dashboard, for the links to a run (`<base>/runs/<id>`). */
  PUSHLINE_DASHBOARD_URL: z.optional(z.url()),
});

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const notifyEnv = NotifyEnv.safeParse(process.env);
if (!notifyEnv.success) throw new ConfigError('PUSHLINE_DASHBOARD_URL is not a URL', []);
const dashboardUrl = notifyEnv.data.PUSHLINE_DASHBOARD_URL;
const logger = new JsonLogger({ function: 'notify', stage: env.PUSHLINE_STAGE });
const file = pipelineFileFromEnv(env);
const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE });
// No SSM client here: the source builds one at the first secret it reads (a stack whose
// pipelines configure no notifier reads none).
const secrets = new AwsSecretSource({
  // Each secret is the SSM parameter `<prefix><NAME>`, e.g. `/pushline/prod/SLACK_BOT_TOKEN`.
  names: Object.fromEntries(
    notifySecretNames(file).map((name) => [name, `${env.PUSHLINE_SECRETS_PREFIX}${name}`]),
  ),
});

/**
 * The notifiers need the secrets, which need SSM: built at the first event rather than at module
 * load, and built again at the next event if SSM could not be read.
 */
let ready: Promise<(event: PipelineEvent) => Promise<NotifyResult>> | undefined;
function notifier() {
  ready ??= buildNotifiers({
    secrets,
    file,
    store,
    clock: systemClock,
    mode: 'aws',
    logger,
    ...(dashboardUrl ? { dashboardUrl } : {}),
  }).then((notifiers) =>
    makeNotify({ store, pipelines: pipelineLookup(file), notifiers, clock: systemClock, logger }),
  );
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/**
 * notify on AWS: every pipeline event from the Pushline bus → Slack, GitHub / GitLab commit
 * statuses. A notification never fails a run: `makeNotify` does not throw, and when the secrets
 * cannot be read the event is logged and left (a note cannot be sent anywhere either).
 */
export const handler = pipelineEventHandler(logger, async (event, log) => {
  let notify: (event: PipelineEvent) => Promise<NotifyResult>;
  try {
    notify = await notifier();
  } catch (error) {
    log.error('notifiers could not be built; event not announced', { error: (error as Error).message });
    return;
  }
  const result = await notify(event);
  log.info('announced', { outcomes: result.outcomes });
});
