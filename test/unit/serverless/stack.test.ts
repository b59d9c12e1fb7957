import { describe, expect, it } from '@jest/globals';
import { stack } from '../../../serverless/stack.ts';

const GITHUB_ONLY = `version: 1
pipelines:
  - name: web
    source: { github: acme/web }
    build: { codebuild: { project: web-build } }
`;

type Role = {
  Properties: { Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] } }[] };
};

function statementsOf(resources: Record<string, unknown>, roleId: string) {
  return (resources[roleId] as Role).Properties.Policies[0]!.PolicyDocument.Statement;
}

describe('stack', () => {
  it('packages a GitHub-only pipeline file, granting no CodeCommit action', () => {
    const {
      resources: { Resources: resources },
    } = stack({ stage: 'dev', service: 'pushline', pipelineFileText: GITHUB_ONLY });

    const statements = statementsOf(resources as Record<string, unknown>, 'ReceiveCodecommitRole');
    expect(statements.flatMap((s) => s.Action)).not.toContain('codecommit:GetCommit');
    expect(statements.every((s) => s.Resource.length > 0)).toBe(true);
  });

  it('grants no CodeDeploy or Lambda action for a file without CodeDeploy targets, and no empty statement', () => {
    const {
      resources: { Resources: resources },
    } = stack({ stage: 'dev', service: 'pushline', pipelineFileText: GITHUB_ONLY });

    for (const role of [
      'DeployStagingRole',
      'StartCanaryRole',
      'FinishDeploymentRole',
      'LifecycleHookRole',
    ]) {
      const statements = statementsOf(resources as Record<string, unknown>, role);
      expect(statements.flatMap((s) => s.Action).filter((a) => /^(codedeploy|lambda):/.test(a))).toEqual([]);
      expect(statements.every((s) => s.Resource.length > 0)).toBe(true);
    }
  });

  it('grants GetAlias on the Lambda targets of each environment only, by name or ARN', () => {
    const text = `${GITHUB_ONLY}    staging:
      codedeploy: { application: orders, deploymentGroup: orders-staging, platform: Lambda, functionName: orders-staging, alias: live }
    production:
      codedeploy: { application: orders, deploymentGroup: orders-prod, platform: Lambda, functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:orders', alias: live }
`;
    const {
      resources: { Resources: resources },
    } = stack({ stage: 'dev', service: 'pushline', pipelineFileText: text });
    const getAlias = (role: string) =>
      statementsOf(resources as Record<string, unknown>, role).find((s) =>
        s.Action.includes('lambda:GetAlias'),
      )?.Resource;

    expect(getAlias('DeployStagingRole')).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-staging' },
    ]);
    expect(getAlias('StartCanaryRole')).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:orders']);
  });

  it('sets the artifacts bucket of the deploying functions only when one is given', () => {
    const variables = (options = {}) =>
      (
        stack({ stage: 'dev', service: 'pushline', pipelineFileText: GITHUB_ONLY, options })
          .functions as Record<string, { environment?: Record<string, unknown> }>
      ).deployStaging?.environment ?? {};

    expect(variables()).not.toHaveProperty('PUSHLINE_ARTIFACTS_BUCKET');
    expect(variables({ artifactsBucket: 'acme-artifacts' })).toMatchObject({
      PUSHLINE_ARTIFACTS_BUCKET: 'acme-artifacts',
    });
  });

  it('refuses a pipeline without a CodeBuild project, naming it', () => {
    const text = GITHUB_ONLY.replace('    build: { codebuild: { project: web-build } }\n', '');

    expect(() => stack({ stage: 'dev', service: 'pushline', pipelineFileText: text })).toThrow(
      'pipelines[0] (web): build.codebuild.project is required to deploy to AWS',
    );
  });

  it('refuses an invalid pipeline file with its problems', () => {
    expect(() =>
      stack({ stage: 'dev', service: 'pushline', pipelineFileText: 'version: 1\npipelines: []\n' }),
    ).toThrow(/pipelines/);
  });
});
