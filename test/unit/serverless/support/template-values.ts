import type { PackagedStack } from './packaged-stack.ts';

/** Where the tests pretend the stack runs. */
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

type Resources = PackagedStack['template']['Resources'];

/**
 * A template value as CloudFormation would resolve it in REGION and ACCOUNT: `Ref` to a resource's
 * name, `Fn::GetAtt … Arn` to the ARN of its type (a function's by its FunctionName), `Fn::Sub`
 * with the pseudo parameters.
 */
export function resolved(value: unknown, resources: Resources): string {
  if (typeof value === 'string') return value;
  const cfn = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Sub'?: string };
  if (cfn.Ref) {
    const properties = resources[cfn.Ref]?.Properties ?? {};
    return properties.TableName ?? properties.Name ?? cfn.Ref;
  }
  if (cfn['Fn::GetAtt']?.[1] === 'Arn') {
    const id = cfn['Fn::GetAtt'][0];
    const resource = resources[id];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${resource.Properties.FunctionName}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${id}`;
      default:
        throw new Error(`no ARN known for ${id} (${resource?.Type})`);
    }
  }
  if (cfn['Fn::Sub']) {
    const known: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
    };
    return cfn['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (!known[name]) throw new Error(`cannot resolve ${whole}`);
      return known[name];
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The environment the template gives a function (by logical id), every value resolved. */
export function environmentOf(stack: PackagedStack, functionId: string): Record<string, string> {
  const resources = stack.template.Resources;
  const variables = (resources[functionId]?.Properties?.Environment?.Variables ?? {}) as Record<
    string,
    unknown
  >;
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, resolved(value, resources)]),
  );
}
