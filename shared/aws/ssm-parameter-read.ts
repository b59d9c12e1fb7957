import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';

let defaultClient: SSMClient | undefined;

/**
 * An SSM parameter's value, decrypted, or `undefined` when the parameter does not exist. Its own
 * module so that `AwsSecretSource` imports it — and the SSM client, a sizeable module — only when
 * a secret is read: the notify function of a stack without Slack or commit statuses never does.
 */
export async function readParameterValue(
  name: string,
  client: SSMClient | undefined,
): Promise<string | undefined> {
  try {
    const result = await clientOr(client).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return result.Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

function clientOr(client: SSMClient | undefined): SSMClient {
  if (client) return client;
  defaultClient ??= new SSMClient({});
  return defaultClient;
}
