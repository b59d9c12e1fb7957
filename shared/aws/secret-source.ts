import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { TransientError } from '../domain/errors.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { readParameterValue } from './ssm-parameter-read.ts';

/**
 * AWS mode's `SecretSource`. `names` maps a secret name (`github-webhook-secret`) to where it
 * lives: an SSM parameter name (`/pushline/prod/github-webhook-secret`, read with decryption), or
 * a Secrets Manager secret written `secretsmanager:<id>` or as its ARN. An unmapped name is used
 * as the SSM parameter name itself. A value read is cached for `maxAgeSeconds` across invocations
 * of a warm Lambda.
 *
 * A parameter or secret that does not exist gives `undefined` (and is asked again next time);
 * any other failure throws `TransientError` whose message names the parameter, never its value.
 *
 * Two GetParameter / GetSecretValue calls and a cache, written out rather than taken from
 * Powertools parameters, which loads the whole SSM client and builds a Secrets Manager client at
 * module load (docs/aws.md, "Bundle size and load time"). The Secrets Manager code is imported at
 * the first read from it, which most stacks never make; a client not given is built at its first
 * read.
 */
export class AwsSecretSource implements SecretSource {
  private readonly ssmClient: SSMClient | undefined;
  private readonly secretsClient: SecretsManagerClient | undefined;
  private readonly names: Readonly<Record<string, string>>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { text: string; expiresAt: number }>();

  constructor({
    ssmClient,
    secretsClient,
    names = {},
    maxAgeSeconds = 300,
    now = Date.now,
  }: {
    ssmClient?: SSMClient;
    secretsClient?: SecretsManagerClient;
    names?: Readonly<Record<string, string>>;
    maxAgeSeconds?: number;
    /** Milliseconds since the epoch, for the cache (tests pass a fake). */
    now?: () => number;
  } = {}) {
    this.ssmClient = ssmClient;
    this.secretsClient = secretsClient;
    this.names = names;
    this.maxAgeMs = maxAgeSeconds * 1000;
    this.now = now;
  }

  async get(name: string): Promise<string | undefined> {
    const location = this.names[name] ?? name;
    const secretId = secretsManagerId(location);
    const key = secretId ? `secretsmanager:${secretId}` : location;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.text || undefined;
    try {
      const text = secretId ? await this.readSecret(secretId) : await this.readParameter(location);
      if (text === undefined) return undefined;
      this.cache.set(key, { text, expiresAt: this.now() + this.maxAgeMs });
      return text === '' ? undefined : text;
    } catch (error) {
      const cause = error instanceof Error ? error.name : 'error';
      throw new TransientError(
        `cannot read secret "${name}" from ${secretId ? 'Secrets Manager' : 'SSM'}: ${cause}`,
        { cause: error, secret: name },
      );
    }
  }

  /** The SSM parameter (or Secrets Manager secret) the name is read from, e.g. `the SSM parameter /pushline/prod/gitlab-webhook-token`. */
  whereToSet(name: string): string {
    const location = this.names[name] ?? name;
    const secretId = secretsManagerId(location);
    return secretId
      ? `the Secrets Manager secret ${secretId}`
      : `the SSM parameter ${location.replace(/^ssm:/, '')}`;
  }

  private async readParameter(location: string): Promise<string | undefined> {
    return readParameterValue(location.replace(/^ssm:/, ''), this.ssmClient);
  }

  private async readSecret(secretId: string): Promise<string | undefined> {
    const { readSecretValue } = await import('./secrets-manager-read.ts');
    return readSecretValue(secretId, this.secretsClient);
  }
}

function secretsManagerId(location: string): string | undefined {
  if (location.startsWith('secretsmanager:')) return location.slice('secretsmanager:'.length);
  if (location.startsWith('arn:aws:secretsmanager:')) return location;
  return undefined;
}
