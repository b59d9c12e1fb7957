import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { formatIssues } from '../../events/parse.ts';
import { ConfigError, type ConfigProblem } from '../domain/errors.ts';
import { PushlineFile } from '../domain/pipeline-config.ts';
import { readDotEnv } from './env-secret-source.ts';

/**
 * Reads and validates `pushline.yml` from disk: YAML syntax errors and schema problems alike
 * become one `ConfigError` listing every problem by its path (`pipelines[0].production.canary.interval`)
 * and, where the parser knows it, its line. A missing or unreadable file is a `ConfigError` too.
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
  return parsePipelineFile(text, file);
}

/** Validates the text of a pipeline file; `name` only appears in the error message. */
export function parsePipelineFile(text: string, name = 'pushline.yml'): PushlineFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) =>
      withLine({ path: '(yaml)', message: error.message }, lineOf(error.pos[0])),
    );
    throw new ConfigError(`${name} is not valid YAML:\n${formatProblems(problems)}`, problems);
  }
  const result = PushlineFile.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const node = nodeAt(doc.contents, issue.path);
    return withLine({ path: formatPath(issue.path), message: issue.message }, lineOf(node?.range?.[0]));
  });
  throw new ConfigError(
    `${name} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}`,
    problems,
    {
      cause: formatIssues(result.error.issues),
    },
  );
}

/** One problem per line: `  line 12  pipelines[0].name: must be lowercase…`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `  ${p.line === undefined ? '' : `line ${p.line}  `}${p.path}: ${p.message}`)
    .join('\n');
}

/** `['pipelines', 0, 'production']` → `pipelines[0].production`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** The deepest YAML node along `path` (a problem on a missing key points at its parent). */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  for (const key of path) {
    const next =
      isMap(node) || isSeq(node) ? (node.get(key as string | number, true) as Node | undefined) : undefined;
    if (!next || typeof next !== 'object') break;
    node = next;
  }
  return node;
}

function withLine(problem: ConfigProblem, line: number | undefined): ConfigProblem {
  return line === undefined ? problem : { ...problem, line };
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
