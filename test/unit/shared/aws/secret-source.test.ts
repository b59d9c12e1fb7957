import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSecretSource } from '../../../../shared/aws/secret-source.ts';
import { TransientError } from '../../../../shared/domain/errors.ts';

const ssm = mockClient(SSMClient);
const secretsManager = mockClient(SecretsManagerClient);
const ssmClient = new SSMClient({ region: 'eu-west-1' });
const secretsClient = new SecretsManagerClient({ region: 'eu-west-1' });
const VALUE = 'the-webhook-secret-value';

function source(names: Record<string, string> = {}, now?: () => number) {
  return new AwsSecretSource({ ssmClient, secretsClient, names, maxAgeSeconds: 60, ...(now ? { now } : {}) });
}

describe('AwsSecretSource', () => {
  beforeEach(() => {
    ssm.reset();
    secretsManager.reset();
  });

  it('says which SSM parameter or Secrets Manager secret sets a secret', () => {
    const secrets = source({
      'github-webhook-secret': '/pushline/prod/github-webhook-secret',
      'gitlab-webhook-token': 'secretsmanager:pushline/gitlab',
    });

    expect(secrets.whereToSet('github-webhook-secret')).toBe(
      'the SSM parameter /pushline/prod/github-webhook-secret',
    );
    expect(secrets.whereToSet('gitlab-webhook-token')).toBe('the Secrets Manager secret pushline/gitlab');
    expect(secrets.whereToSet('/pushline/prod/SLACK_BOT_TOKEN')).toBe(
      'the SSM parameter /pushline/prod/SLACK_BOT_TOKEN',
    );
  });

  it('reads a mapped SSM parameter with decryption and caches it across calls', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/pushline/prod/gh', Value: VALUE } });
    const secrets = source({ 'github-webhook-secret': '/pushline/prod/gh' });

    const first = await secrets.get('github-webhook-secret');
    const second = await secrets.get('github-webhook-secret');

    expect([first, second]).toEqual([VALUE, VALUE]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/pushline/prod/gh', WithDecryption: true },
    ]);
  });

  it('reads a secretsmanager: location from Secrets Manager', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: VALUE });

    const value = await source({ 'gitlab-webhook-token': 'secretsmanager:pushline/gitlab' }).get(
      'gitlab-webhook-token',
    );

    expect(value).toBe(VALUE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'pushline/gitlab',
    });
  });

  it('answers undefined for a parameter or secret that does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));

    expect(await source().get('/pushline/none')).toBeUndefined();
    expect(await source({ x: 'secretsmanager:none' }).get('x')).toBeUndefined();
  });

  it('throws a TransientError that names the secret but never holds its value', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('throttled'));

    const error = await source({ 'github-webhook-secret': '/p' })
      .get('github-webhook-secret')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('github-webhook-secret');
    expect(JSON.stringify({ message: (error as Error).message, ...(error as object) })).not.toContain(VALUE);
  });

  it('reads the parameter again once its cached value is older than maxAgeSeconds', async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old' } })
      .resolves({ Parameter: { Value: 'new' } });
    let now = 1_000_000;
    const secrets = source({ s: '/p/s' }, () => now);

    const first = await secrets.get('s');
    now += 59_000;
    const cached = await secrets.get('s');
    now += 2_000;
    const refreshed = await secrets.get('s');

    expect([first, cached, refreshed]).toEqual(['old', 'old', 'new']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('asks again for a parameter that did not exist, and answers undefined for an empty one', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves({ Parameter: { Value: '' } });
    const secrets = source({ s: '/p/s' });

    expect(await secrets.get('s')).toBeUndefined();
    expect(await secrets.get('s')).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('reads an ssm: location and an unmapped name as SSM parameter names', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: VALUE } });

    await source({ token: 'ssm:/pushline/prod/token' }).get('token');
    await source().get('/pushline/prod/other');

    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual([
      '/pushline/prod/token',
      '/pushline/prod/other',
    ]);
  });

  it('reads a secret named by its ARN, decoding a binary secret as UTF-8', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pushline/slack-AbCdEf';
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(VALUE) });

    expect(await source({ 'slack-bot-token': arn }).get('slack-bot-token')).toBe(VALUE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: arn });
  });

  it('names the failing service in a Secrets Manager failure', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new Error('throttled'));

    await expect(source({ x: 'secretsmanager:pushline/x' }).get('x')).rejects.toThrow(
      /cannot read secret "x" from Secrets Manager/,
    );
  });
});
