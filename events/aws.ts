/**
 * Zod schemas of the AWS service events Pushline consumes, each the whole EventBridge event
 * (envelope + detail), written against AWS's documented samples (test/fixtures/aws/).
 */

export { CloudWatchAlarmStateChange } from './aws/cloudwatch.ts';
export { CodeBuildBuildStateChange, CodeBuildStatus, parseCodeBuildTime } from './aws/codebuild.ts';
export { CodeCommitRepositoryStateChange } from './aws/codecommit.ts';
export { CodeDeployDeploymentStateChange } from './aws/codedeploy.ts';
