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
