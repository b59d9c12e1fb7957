import { GetRoleCommand, GetRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { type CheckContext, failed, type SelfCheck } from './check.ts';
import type { DeployedStack } from './deployed-stack.ts';
import { CHECK_PROVES } from './descriptions.ts';

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

/** Actions no Pushline function calls: a role that allows one of them has more than its code needs. */
export const NEVER_NEEDED = [
  'dynamodb:DeleteTable',
  'iam:CreateUser',
  'lambda:UpdateFunctionCode',
  's3:DeleteBucket',
];

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A concrete ARN IAM's simulator can evaluate for a policy's resource pattern (`*` segments filled in). */
export function sampleArn(pattern: string): string | undefined {
  return pattern === '*' ? undefined : pattern.replace(/\*/g, 'pushline-self-check');
}

/**
 * Each function's role, as deployed, against the template deployed with it: the role's policy
 * allows exactly the template's actions (the template's come from serverless/permissions.ts,
 * which the test suite checks against the SDK calls in each function's code), IAM's simulator
 * allows each statement's actions on its resources (no boundary or SCP in the way), and denies a
 * few actions no function needs.
 */
export const permissionsCheck: SelfCheck = {
  name: 'permissions',
  proves: CHECK_PROVES.permissions,
  async run(context) {
    const stack = await context.stack();
    const problems: string[] = [];
    const roles = functionRoles(stack);
    for (const role of roles) problems.push(...(await checkRole(context, role)));
    if (roles.length === 0) problems.push('the template has no function roles');
    if (problems.length > 0)
      return failed(
        problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5} more)` : ''),
        'deploy the stack again from this version; a difference that stays is a change made by hand to the role',
      );
    return { ok: true, detail: `${roles.length} function roles allow exactly their template's actions` };
  },
};

interface FunctionRole {
  logicalId: string;
  roleName: string;
  policyName: string;
  expected: Set<string>;
}

/** The roles of the functions (`<Stem>Role` beside `<Stem>LambdaFunction`), with their template actions. */
export function functionRoles(stack: DeployedStack): FunctionRole[] {
  const roles: FunctionRole[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role' || !logicalId.endsWith('Role')) continue;
    if (!stack.template.Resources[`${logicalId.slice(0, -'Role'.length)}LambdaFunction`]) continue;
    const policies = (resource.Properties?.Policies ?? []) as {
      PolicyName: string;
      PolicyDocument: { Statement: PolicyStatement[] };
    }[];
    const roleName = stack.resources[logicalId];
    if (!roleName || !policies[0]) continue;
    roles.push({
      logicalId,
      roleName,
      policyName: policies[0].PolicyName,
      expected: new Set(policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => list(s.Action)))),
    });
  }
  return roles;
}

async function checkRole(context: CheckContext, role: FunctionRole): Promise<string[]> {
  const { iam } = context.clients;
  const problems: string[] = [];
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: role.roleName }));
  const { PolicyDocument } = await iam.send(
    new GetRolePolicyCommand({ RoleName: role.roleName, PolicyName: role.policyName }),
  );
  const statements = (JSON.parse(decodeURIComponent(PolicyDocument ?? '%7B%7D')).Statement ??
    []) as PolicyStatement[];
  const allowed = statements.filter((s) => s.Effect === 'Allow');
  const actual = new Set(allowed.flatMap((s) => list(s.Action)));
  const extra = [...actual].filter((a) => !role.expected.has(a));
  const missing = [...role.expected].filter((a) => !actual.has(a));
  if (extra.length > 0)
    problems.push(`${role.roleName} allows ${extra.join(', ')}, which its code does not call`);
  if (missing.length > 0) problems.push(`${role.roleName} lacks ${missing.join(', ')}`);

  for (const statement of allowed) {
    const resource = sampleArn(list(statement.Resource)[0] ?? '*');
    const { EvaluationResults = [] } = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: Role!.Arn!,
        ActionNames: list(statement.Action),
        ...(resource ? { ResourceArns: [resource] } : {}),
      }),
    );
    for (const result of EvaluationResults) {
      if (result.EvalDecision !== 'allowed')
        problems.push(
          `${role.roleName}: ${result.EvalActionName} is ${result.EvalDecision} on ${resource ?? '*'}`,
        );
    }
  }
  const forbidden = NEVER_NEEDED.filter((a) => !role.expected.has(a));
  const { EvaluationResults = [] } = await iam.send(
    new SimulatePrincipalPolicyCommand({ PolicySourceArn: Role!.Arn!, ActionNames: forbidden }),
  );
  for (const result of EvaluationResults) {
    if (result.EvalDecision === 'allowed') problems.push(`${role.roleName} may ${result.EvalActionName}`);
  }
  return problems;
}
