import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

let defaultClient: SecretsManagerClient | undefined;

/**
 * A Secrets Manager secret's value as text (a binary secret decoded as UTF-8), or `undefined`
 * when the secret does not exist. Its own module so that `AwsSecretSource` imports it — and the
 * Secrets Manager client — only when a secret actually lives in Secrets Manager.
 */
export async function readSecretValue(
  secretId: string,
  client: SecretsManagerClient | undefined,
): Promise<string | undefined> {
  try {
    const result = await clientOr(client).send(new GetSecretValueCommand({ SecretId: secretId }));
    if (result.SecretString) return result.SecretString;
    return result.SecretBinary ? new TextDecoder().decode(result.SecretBinary) : undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function clientOr(client: SecretsManagerClient | undefined): SecretsManagerClient {
  if (client) return client;
  defaultClient ??= new SecretsManagerClient({});
  return defaultClient;
}
