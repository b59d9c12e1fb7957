import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from '../../events/zod-mini.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { pipelineEventLambda } from '../../shared/aws/lambda/lambda-handler.ts';
import { readEnv } from '../../shared/aws/lambda/read-env.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { buildNotifiers, notifySecretNames } from '../../shared/notify/build-notifiers.ts';
import { cachedNotifiers } from '../../shared/notify/cached-notifiers.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { notifyStage } from './notify.ts';

/** The notify function's own settings, beside the ones every function reads. */
const NotifyEnv = z.object({
  /** Base URL of the dashboard, for the links to a run (`<base>/runs/<id>`). */
  PUSHLINE_DASHBOARD_URL: z.optional(z.url()),
});

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const dashboardUrl = readEnv(NotifyEnv).PUSHLINE_DASHBOARD_URL;
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
const stage = notifyStage({
  store,
  pipelines: pipelineLookup(file),
  clock: systemClock,
  logger,
  // The notifiers need the secrets, which need SSM: built at the first event rather than at
  // module load, and built again at the next event if SSM could not be read.
  notifiers: cachedNotifiers(() =>
    buildNotifiers({
      secrets,
      file,
      store,
      clock: systemClock,
      mode: 'aws',
      logger,
      ...(dashboardUrl ? { dashboardUrl } : {}),
    }),
  ),
});

/**
 * notify on AWS: every pipeline event from the Pushline bus → Slack, GitHub / GitLab commit
 * statuses. A notification never fails a run (see `notifyStage`).
 */
export const handler = pipelineEventLambda(logger, stage.onEvent);
