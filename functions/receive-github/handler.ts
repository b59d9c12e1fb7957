import { webhookLambda } from '../../shared/aws/lambda/webhook-lambda.ts';
import { GITHUB } from './receive-github.ts';

/** receive-github on AWS: `POST /webhooks/github`, signed with the secret in SSM (GITHUB_WEBHOOK_SECRET_PARAMETER). */
export const handler = webhookLambda(GITHUB, {
  functionName: 'receive-github',
  secretParameterVariable: 'GITHUB_WEBHOOK_SECRET_PARAMETER',
});
