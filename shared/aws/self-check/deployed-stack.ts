import {
  type CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';

/** What the checks need to know of the deployed stack: its state, outputs, resources and template. */
export interface DeployedStack {
  name: string;
  status: string;
  outputs: Record<string, string>;
  /** Logical id → physical id (a role's name, a queue's URL, a function's name…). */
  resources: Record<string, string>;
  /** The template CloudFormation deployed (its `Resources`), as JSON. */
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

/** The stack could not be read: the checks that need it are not run (the stack check says why). */
export class StackUnreadableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackUnreadableError';
  }
}

/** Reads the stack: `DescribeStacks`, every page of `ListStackResources`, and the processed template. */
export async function readDeployedStack(client: CloudFormationClient, name: string): Promise<DeployedStack> {
  let stack: Stack | undefined;
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: name }));
    stack = Stacks[0];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      const region = await client.config.region();
      throw new StackUnreadableError(
        `no stack ${name} in ${region}: deploy it (npx osls deploy --stage <stage> --region ${region}), or name it with --stack, --stage or --region`,
        { cause: error },
      );
    }
    throw new StackUnreadableError(
      `cannot read the stack ${name}: ${error instanceof Error ? error.message : error}`,
      {
        cause: error,
      },
    );
  }
  if (!stack) throw new StackUnreadableError(`no stack ${name}`);
  const resources: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListStackResourcesCommand({ StackName: name, NextToken }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.LogicalResourceId && r.PhysicalResourceId) resources[r.LogicalResourceId] = r.PhysicalResourceId;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const { TemplateBody } = await client.send(
    new GetTemplateCommand({ StackName: name, TemplateStage: 'Processed' }),
  );
  return {
    name,
    status: stack.StackStatus ?? 'UNKNOWN',
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    resources,
    template: TemplateBody ? JSON.parse(TemplateBody) : { Resources: {} },
  };
}
