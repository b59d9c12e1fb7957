import * as z from '../zod-mini.ts';
import { awsEvent } from './envelope.ts';

/** The `state` values of a deployment state-change notification. */
export const CodeDeployState = z.enum(['START', 'SUCCESS', 'FAILURE', 'STOP', 'READY']);

/** The `detail` of a `CodeDeploy Deployment State-change Notification`. Unknown fields pass through. */
export const CodeDeployDeploymentStateChangeDetail = z.looseObject({
  application: z.string().check(z.minLength(1)),
  deploymentGroup: z.string().check(z.minLength(1)),
  deploymentId: z
    .string()
    .check(z.regex(/^d-[A-Z0-9]+$/i, 'must be a CodeDeploy deployment id such as d-123456789')),
  state: CodeDeployState,
  region: z.string().check(z.minLength(1)),
  instanceGroupId: z.optional(z.string()),
});

/** The whole EventBridge event CodeDeploy sends when a deployment changes state. */
export const CodeDeployDeploymentStateChange = awsEvent(
  'CodeDeploy Deployment State-change Notification',
  'aws.codedeploy',
  CodeDeployDeploymentStateChangeDetail,
);
export type CodeDeployDeploymentStateChange = z.output<typeof CodeDeployDeploymentStateChange>;
