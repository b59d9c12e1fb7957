import { describe, expect, it } from '@jest/globals';
import { readWebhookEnv } from '../../../../../shared/aws/lambda/webhook-env.ts';
import { EnvironmentError } from '../../../../../shared/domain/errors.ts';

describe('readWebhookEnv', () => {
  const options = {
    variable: 'GITHUB_WEBHOOK_SECRET_PARAMETER',
    secretName: 'github-webhook-secret',
    secretsPrefix: '/pushline/prod/',
  };

  it('puts the secret under the stage prefix unless the environment names its parameter', () => {
    expect(readWebhookEnv({}, options)).toEqual({ secretLocation: '/pushline/prod/github-webhook-secret' });
    expect(
      readWebhookEnv(
        { GITHUB_WEBHOOK_SECRET_PARAMETER: 'secretsmanager:gh', PUSHLINE_MAX_BODY_BYTES: '2048' },
        options,
      ),
    ).toEqual({
      secretLocation: 'secretsmanager:gh',
      maxBodyBytes: 2048,
    });
  });

  it('refuses a body limit that is not a positive number, naming it', () => {
    expect(() => readWebhookEnv({ PUSHLINE_MAX_BODY_BYTES: 'lots' }, options)).toThrow(EnvironmentError);
    expect(() => readWebhookEnv({ PUSHLINE_MAX_BODY_BYTES: 'lots' }, options)).toThrow(
      "the function's environment is incomplete: PUSHLINE_MAX_BODY_BYTES: ",
    );
  });
});
