import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../domain/errors.ts';
import type { PushlineFile } from '../domain/pipeline-config.ts';
import { loadPipelineFile as parsePipelineText } from '../domain/pipeline-file.ts';
import { readDotEnv } from './env-secret-source.ts';

/**
 * Reads and validates `pushline.yml` from disk (the pure `loadPipelineFile` of
 * shared/domain/pipeline-file.ts does the checking): every problem, YAML syntax or schema, comes in
 * one `ConfigError` by path and line. A missing or unreadable file is a `ConfigError` too.
 */
export function loadPipelineFile(file: string): PushlineFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new ConfigError(`cannot read ${file}: ${reason}`, [{ path: '(file)', message: reason }], {
      cause: error,
    });
  }
  return parsePipelineText(text, file);
}

/** The webhook secrets local mode serves with. Never logged. */
export interface LocalSecrets {
  /** The variables secrets are read from: the environment over the `.env` beside the pipeline file. */
  variables: Readonly<Record<string, string | undefined>>;
  /** `GITHUB_WEBHOOK_SECRET`, or the one generated into `<data>/webhook-secret`. */
  githubWebhookSecret: string;
  /** Where it came from, for the start-up message. */
  githubSecretFrom: 'environment' | '.env' | 'generated' | 'data folder';
}

/** The file in the data folder holding the GitHub webhook secret in force (`pushline hook` signs with it). */
export const WEBHOOK_SECRET_FILE = 'webhook-secret';

/**
 * Resolves local mode's secrets: the environment wins over a `.env` file beside the pipeline
 * file. Without `GITHUB_WEBHOOK_SECRET` anywhere, the secret kept in `<data>/webhook-secret` is used,
 * or a random one is generated there. The secret in force is written to that file (mode 0600) so
 * that local senders (`pushline hook`) can sign with it.
 */
export function resolveLocalSecrets(options: {
  configFile: string;
  dataDir: string;
  env: Readonly<Record<string, string | undefined>>;
}): LocalSecrets {
  const dotEnv = readDotEnv(join(dirname(options.configFile), '.env'));
  const variables = { ...dotEnv, ...definedOnly(options.env) };
  const secretFile = join(options.dataDir, WEBHOOK_SECRET_FILE);
  const kept = readKept(secretFile);
  const fromEnv = nonBlank(options.env.GITHUB_WEBHOOK_SECRET);
  const fromDotEnv = nonBlank(dotEnv.GITHUB_WEBHOOK_SECRET);
  const githubWebhookSecret = fromEnv ?? fromDotEnv ?? kept ?? randomBytes(24).toString('base64url');
  const githubSecretFrom = fromEnv ? 'environment' : fromDotEnv ? '.env' : kept ? 'data folder' : 'generated';
  if (githubWebhookSecret !== kept) {
    writeFileSync(secretFile, `${githubWebhookSecret}\n`, { mode: 0o600 });
    chmodSync(secretFile, 0o600);
  }
  return {
    variables: { ...variables, GITHUB_WEBHOOK_SECRET: githubWebhookSecret },
    githubWebhookSecret,
    githubSecretFrom,
  };
}

function readKept(file: string): string | undefined {
  try {
    return nonBlank(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
