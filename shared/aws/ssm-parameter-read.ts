import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';

let defaultClient: SSMClient | undefined;

/**
 * An SSM parameter's value, decrypted, or `undefined` when the parameter does not exist. The
 * client is built at the first read when none is given. (Imported statically, unlike the Secrets
 * Manager read: in a one-file bundle, a package reached through `import()` cannot be tree-shaken,
 * and the whole SSM client costs more to load than the part of it we use.)
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
