import { DescribeRuleCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { failed, type SelfCheck } from './check.ts';
import { CHECK_PROVES } from './descriptions.ts';

/**
 * The watchdog's schedule (an EventBridge schedule rule on the default bus) is enabled and targets
 * the watchdog function; the canary checks' schedule group is active; and the role Scheduler
 * assumes for a canary check may invoke judge-canary (IAM's policy simulator).
 */
export const schedulesCheck: SelfCheck = {
  name: 'schedules',
  proves: CHECK_PROVES.schedules,
  async run(context) {
    const stack = await context.stack();
    const problems: string[] = [];

    const watchdogRule = Object.entries(stack.template.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Events::Rule' &&
        typeof r.Properties?.ScheduleExpression === 'string' &&
        JSON.stringify(r.Properties?.Targets ?? []).includes('WatchdogLambdaFunction'),
    )?.[0];
    const ruleName = watchdogRule ? stack.resources[watchdogRule] : undefined;
    const watchdog = stack.resources.WatchdogLambdaFunction;
    if (!ruleName || !watchdog) problems.push('the stack has no watchdog schedule rule');
    else {
      const rule = await context.clients.events.send(new DescribeRuleCommand({ Name: ruleName }));
      if (rule.State !== 'ENABLED') problems.push(`the watchdog rule ${ruleName} is ${rule.State}`);
      const { Targets = [] } = await context.clients.events.send(
        new ListTargetsByRuleCommand({ Rule: ruleName }),
      );
      if (!Targets.some((t) => t.Arn?.endsWith(`:function:${watchdog}`)))
        problems.push(`the watchdog rule ${ruleName} does not target ${watchdog}`);
    }

    const groupName = stack.outputs.ScheduleGroupName!;
    const group = await context.clients.scheduler.send(new GetScheduleGroupCommand({ Name: groupName }));
    if (group.State !== 'ACTIVE') problems.push(`the schedule group ${groupName} is ${group.State}`);

    const roleName = stack.resources.CanaryCheckSchedulerRole;
    const judge = stack.resources.JudgeCanaryLambdaFunction;
    if (!roleName || !judge)
      problems.push('the stack has no canary-check scheduler role or judge-canary function');
    else {
      const { Role } = await context.clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
      const [, partition, , , account] = (Role?.Arn ?? '').split(':');
      // IAM is global; the stack's region is the one the regional clients were made for.
      const region = await context.clients.scheduler.config.region();
      const judgeArn = `arn:${partition}:lambda:${region}:${account}:function:${judge}`;
      const { EvaluationResults = [] } = await context.clients.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: Role!.Arn!,
          ActionNames: ['lambda:InvokeFunction'],
          ResourceArns: [judgeArn],
        }),
      );
      if (EvaluationResults[0]?.EvalDecision !== 'allowed')
        problems.push(
          `${roleName} may not invoke ${judge} (${EvaluationResults[0]?.EvalDecision ?? 'no decision'})`,
        );
    }

    if (problems.length > 0)
      return failed(
        problems.join('; '),
        'deploy the stack again; a disabled rule: aws events enable-rule --name <rule>',
      );
    return {
      ok: true,
      detail: `watchdog rule ${ruleName} enabled; group ${groupName} active; ${roleName} may invoke ${judge}`,
    };
  },
};
