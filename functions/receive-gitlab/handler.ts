import { webhookLambda } from '../../shared/aws/lambda/webhook-lambda.ts';
import { GITLAB } from './receive-gitlab.ts';

/** receive-gitlab on AWS: `POST /webhooks/gitlab`, with the token in SSM (GITLAB_WEBHOOK_TOKEN_PARAMETER). */
export const handler = webhookLambda(GITLAB, {
  functionName: 'receive-gitlab',
  secretParameterVariable: 'GITLAB_WEBHOOK_TOKEN_PARAMETER',
});
