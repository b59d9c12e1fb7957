import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { SecretSource } from '../ports/secret-source.ts';

/**
 * Local mode's `SecretSource`: a secret named `github-webhook-secret` is read from the variable
 * `GITHUB_WEBHOOK_SECRET` (the name in upper snake case), unless `names` maps it to another
 * variable. The environment wins over `fallback` (a parsed `.env` file). A blank value counts as
 * not set. Values are never logged.
 */
export class EnvSecretSource implements SecretSource {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly fallback: Readonly<Record<string, string | undefined>>;
  private readonly names: Readonly<Record<string, string>>;

  constructor({
    env,
    fallback = {},
    names = {},
  }: {
    env: Readonly<Record<string, string | undefined>>;
    fallback?: Readonly<Record<string, string | undefined>>;
    names?: Readonly<Record<string, string>>;
  }) {
    this.env = env;
    this.fallback = fallback;
    this.names = names;
  }

  async get(name: string): Promise<string | undefined> {
    const variable = this.variableFor(name);
    for (const source of [this.env, this.fallback]) {
      const value = source[variable];
      if (typeof value === 'string' && value.trim() !== '') return value;
    }
    return undefined;
  }

  /** Local mode reads the environment of `pushline up`, over the `.env` file beside the pipeline file. */
  whereToSet(name: string): string {
    return `${this.variableFor(name)} in the environment of \`pushline up\` (or in the .env file beside the pipeline file) and restart it`;
  }

  /** The environment variable a secret name is read from (`github-webhook-secret` → `GITHUB_WEBHOOK_SECRET`). */
  variableFor(name: string): string {
    return this.names[name] ?? envVariableName(name);
  }
}

/** `github-webhook-secret` → `GITHUB_WEBHOOK_SECRET`; `slack.botToken` → `SLACK_BOT_TOKEN`. */
export function envVariableName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** A `.env` file's variables, or `{}` when there is no such file. The file is never committed. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text) as Record<string, string>;
}
