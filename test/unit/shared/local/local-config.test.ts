import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../../shared/domain/errors.ts';
import { loadPipelineFile, resolveLocalSecrets } from '../../../../shared/local/local-config.ts';

describe('local config', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pushline-config-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a missing pipeline file with a ConfigError that names it', () => {
    const file = join(dir, 'nope.yml');

    expect(() => loadPipelineFile(file)).toThrow(ConfigError);
    expect(() => loadPipelineFile(file)).toThrow(`cannot read ${file}: no such file`);
  });

  it('takes the webhook secret from the environment over .env, and keeps it in the data folder', () => {
    writeFileSync(join(dir, '.env'), 'GITHUB_WEBHOOK_SECRET=from-dotenv\nGITLAB_WEBHOOK_TOKEN=gl-token\n');

    const secrets = resolveLocalSecrets({
      configFile: join(dir, 'pushline.yml'),
      dataDir,
      env: { GITHUB_WEBHOOK_SECRET: 'from-env' },
    });

    expect(secrets.githubWebhookSecret).toBe('from-env');
    expect(secrets.githubSecretFrom).toBe('environment');
    expect(secrets.variables.GITLAB_WEBHOOK_TOKEN).toBe('gl-token');
    expect(readFileSync(join(dataDir, 'webhook-secret'), 'utf8')).toBe('from-env\n');
  });

  it('falls back to .env when the environment has no secret', () => {
    writeFileSync(join(dir, '.env'), 'GITHUB_WEBHOOK_SECRET=from-dotenv\n');

    const secrets = resolveLocalSecrets({ configFile: join(dir, 'pushline.yml'), dataDir, env: {} });

    expect(secrets).toMatchObject({ githubWebhookSecret: 'from-dotenv', githubSecretFrom: '.env' });
  });

  it('reuses the secret kept in the data folder rather than generating another', () => {
    writeFileSync(join(dataDir, 'webhook-secret'), 'kept-secret\n');

    const secrets = resolveLocalSecrets({ configFile: join(dir, 'pushline.yml'), dataDir, env: {} });

    expect(secrets).toMatchObject({ githubWebhookSecret: 'kept-secret', githubSecretFrom: 'data folder' });
  });
});
