import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { EnvSecretSource, envVariableName, readDotEnv } from '../../../../shared/local/env-secret-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'pushline-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EnvSecretSource', () => {
  it('says which variable sets a secret, and where', () => {
    const secrets = new EnvSecretSource({ env: {}, names: { 'slack-webhook': 'TEAM_WEBHOOK' } });

    expect(secrets.whereToSet('gitlab-webhook-token')).toMatch(
      /^GITLAB_WEBHOOK_TOKEN in the environment of `pushline up`/,
    );
    expect(secrets.whereToSet('slack-webhook')).toMatch(/^TEAM_WEBHOOK /);
  });

  it('reads github-webhook-secret from GITHUB_WEBHOOK_SECRET and gitlab-webhook-token from GITLAB_WEBHOOK_TOKEN', async () => {
    const secrets = new EnvSecretSource({ env: { GITHUB_WEBHOOK_SECRET: 'gh', GITLAB_WEBHOOK_TOKEN: 'gl' } });

    expect(await secrets.get('github-webhook-secret')).toBe('gh');
    expect(await secrets.get('gitlab-webhook-token')).toBe('gl');
  });

  it('reads a mapped name from its variable and treats unset or blank values as not set', async () => {
    const secrets = new EnvSecretSource({
      env: { HOOK_SECRET: 's', GITLAB_WEBHOOK_TOKEN: '  ' },
      names: { 'github-webhook-secret': 'HOOK_SECRET' },
    });

    expect(await secrets.get('github-webhook-secret')).toBe('s');
    expect(await secrets.get('gitlab-webhook-token')).toBeUndefined();
    expect(await secrets.get('slack-bot-token')).toBeUndefined();
  });

  it('prefers the environment to the .env file', async () => {
    const path = join(dir, '.env');
    writeFileSync(path, 'GITHUB_WEBHOOK_SECRET=from-file\nGITLAB_WEBHOOK_TOKEN="quoted token"\n');
    const secrets = new EnvSecretSource({
      env: { GITHUB_WEBHOOK_SECRET: 'from-env' },
      fallback: readDotEnv(path),
    });

    expect(await secrets.get('github-webhook-secret')).toBe('from-env');
    expect(await secrets.get('gitlab-webhook-token')).toBe('quoted token');
  });

  it('reads no .env file as an empty one', () => {
    expect(readDotEnv(join(dir, 'missing.env'))).toEqual({});
  });
});

describe('envVariableName', () => {
  it.each([
    ['github-webhook-secret', 'GITHUB_WEBHOOK_SECRET'],
    ['slack.botToken', 'SLACK_BOT_TOKEN'],
    ['/pushline/dev/slack-webhook', 'PUSHLINE_DEV_SLACK_WEBHOOK'],
  ])('writes %s as %s', (name, variable) => {
    expect(envVariableName(name)).toBe(variable);
  });
});
