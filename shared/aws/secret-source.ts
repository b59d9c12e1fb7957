import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { TransientError } from '../domain/errors.ts';
import type { SecretSource } from '../ports/secret-source.ts';

/**
 * AWS mode's `SecretSource`, through Powertools parameters (cached for `maxAgeSeconds` across
 * invocations of a warm Lambda). `names` maps a secret name (`github-webhook-secret`) to where it
 * lives: an SSM parameter name (`/pushline/prod/github-webhook-secret`, read with decryption), or
 * a Secrets Manager secret written `secretsmanager:<id>` or as its ARN. An unmapped name is used
 * as the SSM parameter name itself.
 *
 * A parameter or secret that does not exist gives `undefined`; any other failure throws
 * `TransientError` whose message names the parameter, never its value.
 */
export class AwsSecretSource implements SecretSource {
  private readonly ssm: SSMProvider;
  private readonly secrets: SecretsProvider;
  private readonly names: Readonly<Record<string, string>>;
  private readonly maxAge: number;

  constructor({
    ssmClient,
    secretsClient,
    names = {},
    maxAgeSeconds = 300,
  }: {
    ssmClient?: SSMClient;
    secretsClient?: SecretsManagerClient;
    names?: Readonly<Record<string, string>>;
    maxAgeSeconds?: number;
  } = {}) {
    this.ssm = new SSMProvider(ssmClient ? { awsSdkV3Client: ssmClient } : {});
    this.secrets = new SecretsProvider(secretsClient ? { awsSdkV3Client: secretsClient } : {});
    this.names = names;
    this.maxAge = maxAgeSeconds;
  }

  async get(name: string): Promise<string | undefined> {
    const location = this.names[name] ?? name;
    const secretId = secretsManagerId(location);
    try {
      const value = secretId
        ? await this.secrets.get(secretId, { maxAge: this.maxAge, throwOnMissing: true })
        : await this.ssm.get(location.replace(/^ssm:/, ''), {
            decrypt: true,
            maxAge: this.maxAge,
            throwOnMissing: true,
          });
      if (value === undefined || value === null) return undefined;
      const text = typeof value === 'string' ? value : new TextDecoder().decode(value as Uint8Array);
      return text === '' ? undefined : text;
    } catch (error) {
      if (error instanceof ParameterNotFoundError) return undefined;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.name : 'error';
      throw new TransientError(
        `cannot read secret "${name}" from ${secretId ? 'Secrets Manager' : 'SSM'}: ${cause}`,
        {
          cause: error,
          secret: name,
        },
      );
    }
  }
}

function secretsManagerId(location: string): string | undefined {
  if (location.startsWith('secretsmanager:')) return location.slice('secretsmanager:'.length);
  if (location.startsWith('arn:aws:secretsmanager:')) return location;
  return undefined;
}
