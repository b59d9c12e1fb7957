import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { verify } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { formatResults } from '../../../../../cli/commands/aws.ts';
import { main } from '../../../../../cli/main.ts';
import type { CheckClients, CheckContext, SelfCheck } from '../../../../../shared/aws/self-check/check.ts';
import { runChecks } from '../../../../../shared/aws/self-check/check.ts';
import {
  type DeployedStack,
  readDeployedStack,
} from '../../../../../shared/aws/self-check/deployed-stack.ts';
import { permissionsCheck, sampleArn } from '../../../../../shared/aws/self-check/permissions-check.ts';
import { stackCheck } from '../../../../../shared/aws/self-check/stack-check.ts';
import { webhookCheck } from '../../../../../shared/aws/self-check/webhook-check.ts';

const STACK: DeployedStack = {
  name: 'pushline-prod',
  status: 'UPDATE_COMPLETE',
  outputs: {
    EventBusName: 'pushline-prod',
    TableName: 'pushline-prod',
    ScheduleGroupName: 'pushline-prod',
    HttpApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  },
  resources: {
    PromoteRole: 'pushline-prod-PromoteRole-1AB2',
    PromoteLambdaFunction: 'pushline-prod-promote',
  },
  template: {
    Resources: {
      PromoteLambdaFunction: { Type: 'AWS::Lambda::Function' },
      PromoteRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'promote',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: ['dynamodb:GetItem', 'dynamodb:TransactWriteItems'],
                    Resource: [{ 'Fn::Sub': '…' }],
                  },
                  {
                    Effect: 'Allow',
                    Action: ['codedeploy:ContinueDeployment'],
                    Resource: [{ 'Fn::Sub': '…' }],
                  },
                ],
              },
            },
          ],
        },
      },
    },
  },
};

function context(clients: Partial<CheckClients>, overrides: Partial<CheckContext> = {}): CheckContext {
  return {
    clients: clients as CheckClients,
    stage: 'prod',
    stack: async () => STACK,
    sleep: async () => {},
    probeId: 'check-01jtest',
    ...overrides,
  };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('the stack check', () => {
  it('passes a settled stack with its outputs and fails one rolled back, saying what to do', async () => {
    expect(await stackCheck.run(context({}))).toEqual({
      ok: true,
      detail: 'pushline-prod is UPDATE_COMPLETE',
    });
    const rolledBack = await stackCheck.run(
      context({}, { stack: async () => ({ ...STACK, status: 'UPDATE_ROLLBACK_COMPLETE' }) }),
    );
    expect(rolledBack).toMatchObject({ ok: false, fix: expect.stringContaining('describe-stack-events') });
    const noOutputs = await stackCheck.run(context({}, { stack: async () => ({ ...STACK, outputs: {} }) }));
    expect(noOutputs).toMatchObject({
      ok: false,
      detail: 'pushline-prod lacks the outputs EventBusName, TableName, ScheduleGroupName',
    });
  });

  it('reads every page of the stack resources and the processed template', async () => {
    const cloudformation = mockClient(CloudFormationClient);
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'pushline-prod',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'TableName', OutputValue: 'pushline-prod' }],
        },
      ],
    });
    cloudformation
      .on(ListStackResourcesCommand)
      .resolvesOnce({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'A',
            PhysicalResourceId: 'a',
            ResourceType: 'x',
            ResourceStatus: 'CREATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
        ],
        NextToken: 'page-2',
      })
      .resolves({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'B',
            PhysicalResourceId: 'b',
            ResourceType: 'x',
            ResourceStatus: 'CREATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
        ],
      });
    cloudformation
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: JSON.stringify({ Resources: { A: { Type: 'x' } } }) });

    const stack = await readDeployedStack(new CloudFormationClient({ region: 'eu-west-1' }), 'pushline-prod');

    expect(stack).toEqual({
      name: 'pushline-prod',
      status: 'UPDATE_COMPLETE',
      outputs: { TableName: 'pushline-prod' },
      resources: { A: 'a', B: 'b' },
      template: { Resources: { A: { Type: 'x' } } },
    });
    expect(cloudformation.commandCalls(ListStackResourcesCommand)[1]!.args[0].input.NextToken).toBe('page-2');
    cloudformation.restore();
  });
});

describe('the permissions check', () => {
  const iamWith = (actions: string[][], decide: (action: string) => string) => {
    const iam = mockClient(IAMClient);
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'r',
        Arn: 'arn:aws:iam::123456789012:role/pushline-prod-PromoteRole-1AB2',
        Path: '/',
        RoleId: 'R',
        CreateDate: new Date(),
      },
    });
    iam.on(GetRolePolicyCommand).resolves({
      RoleName: 'r',
      PolicyName: 'promote',
      PolicyDocument: encodeURIComponent(
        JSON.stringify({
          Statement: actions.map((Action) => ({
            Effect: 'Allow',
            Action,
            Resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/pushline-prod*',
          })),
        }),
      ),
    });
    iam.on(SimulatePrincipalPolicyCommand).callsFake(({ ActionNames }) => ({
      EvaluationResults: (ActionNames as string[]).map((a) => ({
        EvalActionName: a,
        EvalDecision: decide(a),
      })),
    }));
    return iam;
  };

  it("passes a role that allows exactly its template's actions, simulated allowed, and denies what no function needs", async () => {
    const iam = iamWith(
      [['dynamodb:GetItem', 'dynamodb:TransactWriteItems'], ['codedeploy:ContinueDeployment']],
      (a) =>
        a.startsWith('dynamodb:Delete') ||
        a.startsWith('iam:') ||
        a.startsWith('s3:') ||
        a.startsWith('lambda:')
          ? 'implicitDeny'
          : 'allowed',
    );

    const result = await permissionsCheck.run(context({ iam: new IAMClient({ region: 'eu-west-1' }) }));

    expect(result).toEqual({ ok: true, detail: "1 function roles allow exactly their template's actions" });
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input.ResourceArns).toEqual([
      'arn:aws:dynamodb:eu-west-1:123456789012:table/pushline-prodpushline-self-check',
    ]);
    iam.restore();
  });

  it('fails a role changed by hand: an extra action, a missing one, and a never-needed one allowed', async () => {
    const iam = iamWith(
      [['dynamodb:GetItem', 'dynamodb:TransactWriteItems', 'dynamodb:DeleteTable']],
      () => 'allowed',
    );

    const result = await permissionsCheck.run(context({ iam: new IAMClient({ region: 'eu-west-1' }) }));

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('allows dynamodb:DeleteTable, which its code does not call');
    expect(result.detail).toContain('lacks codedeploy:ContinueDeployment');
    expect(result.detail).toContain('may iam:CreateUser');
    iam.restore();
  });

  it('fills wildcards with a sample name for the simulator, and leaves * to the simulator default', () => {
    expect(sampleArn('arn:aws:ssm:eu-west-1:1:parameter/pushline/prod/*')).toBe(
      'arn:aws:ssm:eu-west-1:1:parameter/pushline/prod/pushline-self-check',
    );
    expect(sampleArn('*')).toBeUndefined();
  });
});

describe('the webhook check', () => {
  it('sends a ping signed with the stage secret and passes on 200; a 401 says the secret is not the one the receiver reads', async () => {
    const ssm = mockClient(SSMClient);
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/pushline/prod/github-webhook-secret', Value: 'hook-secret' } });
    const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
    const answer = { status: 200 };
    const fetch = (async (url: string, init: { headers: Record<string, string>; body: string }) => {
      requests.push({ url, headers: init.headers, body: init.body });
      return new Response(answer.status === 200 ? '{"ok":true,"event":"ping"}' : 'bad signature', {
        status: answer.status,
      });
    }) as unknown as typeof globalThis.fetch;

    const ok = await webhookCheck.run(context({ ssm: new SSMClient({ region: 'eu-west-1' }) }, { fetch }));
    answer.status = 401;
    const refused = await webhookCheck.run(
      context({ ssm: new SSMClient({ region: 'eu-west-1' }) }, { fetch }),
    );

    expect(ok).toEqual({
      ok: true,
      detail:
        'POST https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/github answered 200 to a signed ping',
    });
    expect(refused).toMatchObject({ ok: false, fix: expect.stringContaining('is not the one it reads') });
    const [ping] = requests;
    expect(ping!.headers['x-github-event']).toBe('ping');
    expect(await verify('hook-secret', ping!.body, ping!.headers['x-hub-signature-256']!)).toBe(true);
    ssm.restore();
  });
});

describe('running the checks', () => {
  it('turns a check that throws into a failed line and runs the ones after it', async () => {
    const throws: SelfCheck = {
      name: 'boom',
      proves: '',
      run: async () => {
        throw Object.assign(new Error('User is not authorized to perform: iam:GetRole'), {
          name: 'AccessDenied',
        });
      },
    };
    const passes: SelfCheck = {
      name: 'fine',
      proves: '',
      run: async () => ({ ok: true, detail: 'all good' }),
    };

    const results = await runChecks([throws, passes], context({}));

    expect(results).toEqual([
      {
        name: 'boom',
        ok: false,
        detail: 'AccessDenied: User is not authorized to perform: iam:GetRole',
        fix: expect.any(String),
      },
      { name: 'fine', ok: true, detail: 'all good' },
    ]);
    expect(formatResults(results)).toEqual([
      'FAIL  boom         AccessDenied: User is not authorized to perform: iam:GetRole',
      `                   fix: ${results[0]!.fix}`,
      'ok    fine         all good',
      '1 of 2 checks failed',
    ]);
  });

  it('says once that the stack cannot be read, and does not run the checks that need it', async () => {
    const cloudformation = mockClient(CloudFormationClient);
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id pushline-prod does not exist'), { name: 'ValidationError' }),
      );
    const client = new CloudFormationClient({ region: 'eu-west-1' });
    let read: Promise<DeployedStack> | undefined;
    const stack = () => {
      read ??= readDeployedStack(client, 'pushline-prod');
      return read;
    };

    const results = await runChecks([stackCheck, permissionsCheck], context({}, { stack }));

    expect(results).toEqual([
      {
        name: 'stack',
        ok: false,
        detail: expect.stringMatching(/^no stack pushline-prod in eu-west-1: deploy it/),
        fix: 'deploy the stack, or name it (--stack, --stage, --region)',
      },
      { name: 'permissions', ok: false, detail: 'not run: the stack could not be read (see above)' },
    ]);
    cloudformation.restore();
  });

  it('refuses an unknown --only and an unreadable pipeline file with exit code 2, before calling AWS', async () => {
    const errors: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));

    expect(await main(['node', 'pushline', 'aws', 'check', '--only', 'outbox', 'dns'])).toBe(2);
    expect(await main(['node', 'pushline', 'aws', 'check', '--config', '/nonexistent/pushline.yml'])).toBe(2);
    expect(errors).toEqual([
      'pushline aws check: no check named dns (the checks: stack, secrets, permissions, schedules, webhook, outbox)',
      'pushline aws check: cannot read the pipeline file /nonexistent/pushline.yml (--config names another)',
    ]);
  });
});
