import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { makeManualRun } from '../../shared/app/manual-run.ts';
import { stopOnlyBuilder } from '../../shared/aws/codebuild-stop.ts';
import { CodeCommitRefResolver } from '../../shared/aws/codecommit-ref-resolver.ts';
import { CodeDeployControl } from '../../shared/aws/codedeploy-control.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { GitHubRefResolver } from '../../shared/aws/github-ref-resolver.ts';
import { hostRefResolver } from '../../shared/aws/host-ref-resolver.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { pipelineFileFromEnv, pipelineLookup, readLambdaEnv } from '../../shared/aws/lambda/lambda-env.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { AwsSecretSource } from '../../shared/aws/secret-source.ts';
import { MissingSecretError } from '../../shared/domain/errors.ts';
import { toApiGatewayV2 } from '../../shared/http/api-gateway.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeApi } from './api.ts';
import { type ApiGatewayV2RouteEvent, fromApiGatewayRoute } from './api-gateway-request.ts';
import { API_TOKENS_SECRET, apiTokenReader, readApiTokensLocation } from './api-tokens.ts';

// Cold start: read the configuration once (failing fast), build the clients once.
const env = readLambdaEnv();
const file = pipelineFileFromEnv(env);
const tokensAt = readApiTokensLocation(process.env, env.PUSHLINE_SECRETS_PREFIX);
const logger = new JsonLogger({ function: 'api', stage: env.PUSHLINE_STAGE });
const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName: env.PUSHLINE_TABLE });
const pipelines = pipelineLookup(file);
const secrets = new AwsSecretSource({
  ssmClient: new SSMClient({}),
  names: { [API_TOKENS_SECRET]: tokensAt, GITHUB_TOKEN: `${env.PUSHLINE_SECRETS_PREFIX}GITHUB_TOKEN` },
});
const api = makeApi({
  store,
  clock: systemClock,
  pipelines,
  people: () => file.people,
  file: () => file,
  // A manual run's ref is resolved on the pipeline's Git host: CodeCommit, or GitHub with its token.
  manualRun: makeManualRun({
    store,
    clock: systemClock,
    pipelines,
    people: () => file.people,
    resolver: hostRefResolver({
      codecommit: new CodeCommitRefResolver({
        client: new CodeCommitClient({}),
        region: process.env.AWS_REGION ?? '',
      }),
      github: async () => {
        const token = await secrets.get('GITHUB_TOKEN');
        if (!token) {
          throw new MissingSecretError(
            `a manual run of a GitHub pipeline needs a token: set the SSM parameter ${env.PUSHLINE_SECRETS_PREFIX}GITHUB_TOKEN`,
          );
        }
        const { Octokit } = await import('@octokit/rest');
        return new GitHubRefResolver({ octokit: new Octokit({ auth: token, userAgent: 'pushline' }) });
      },
    }),
    logger,
  }),
  // Cancel stops what the run is doing: StopBuild (never StartBuild), StopDeployment with rollback.
  builder: stopOnlyBuilder(new CodeBuildClient({})),
  deployer: new CodeDeployControl({ client: new CodeDeployClient({}) }),
  // Read at the first request that carries a token, then kept for AwsSecretSource's 5 minutes.
  tokens: apiTokenReader(secrets),
});

/**
 * api on AWS: the HTTP API's `/api/runs…` routes (functions/api/routes.ts, payload format 2.0).
 * Always answers; the event is never logged (its headers carry the bearer token).
 */
export const handler = lambdaHandler(
  logger,
  // API Gateway's own shape: nothing in it is trusted beyond what the routes parse.
  (event) => fromApiGatewayRoute(event as ApiGatewayV2RouteEvent),
  async (request, context) => toApiGatewayV2(await api(request, context.logger)),
);
