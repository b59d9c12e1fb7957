import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../../../../', import.meta.url).pathname;

/** The IAM prefix of each AWS SDK client package. */
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-codebuild': 'codebuild',
  '@aws-sdk/client-codecommit': 'codecommit',
  '@aws-sdk/client-codedeploy': 'codedeploy',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-ssm': 'ssm',
};

/** lib-dynamodb's document commands, by the API operation they send. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'GetItem',
};

/** IAM has no TransactWriteItems action: each item of a transaction needs its own action. */
const TRANSACT_ITEM_ACTION: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** Libraries that send AWS commands themselves: importing them is calling them. */
const LIBRARY_ACTIONS: Record<string, string[]> = {
  '@aws-lambda-powertools/parameters/ssm': ['ssm:GetParameter'],
  '@aws-lambda-powertools/parameters/secrets': ['secretsmanager:GetSecretValue'],
};

/** The project's own source files a handler's bundle is made of (node_modules left out). */
export async function sourceFilesOf(handler: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, handler)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules'));
}

/**
 * The IAM actions a handler's code can call: every `new XCommand(` in its import graph, named by
 * the package the command is imported from (`StartBuildCommand` from client-codebuild →
 * `codebuild:StartBuild`); a `TransactWriteCommand` counts the item kinds its file builds.
 */
export async function sdkActionsOf(handler: string): Promise<Set<string>> {
  const actions = new Set<string>();
  for (const file of await sourceFilesOf(handler)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const imported = importedCommands(text);
    for (const [library, libraryActions] of Object.entries(LIBRARY_ACTIONS)) {
      if (text.includes(`from '${library}'`)) for (const action of libraryActions) actions.add(action);
    }
    for (const match of text.matchAll(/new (\w+)Command\(/g)) {
      const name = match[1]!;
      const pkg = imported.get(`${name}Command`);
      if (!pkg) throw new Error(`${file}: ${name}Command is not imported from an AWS SDK package`);
      const prefix = SERVICE_PREFIX[pkg];
      if (!prefix) throw new Error(`${file}: no IAM prefix known for ${pkg}`);
      if (pkg === '@aws-sdk/lib-dynamodb' && name === 'TransactWrite') {
        for (const kind of text.matchAll(/\b(Put|Update|Delete|ConditionCheck): \{/g)) {
          actions.add(TRANSACT_ITEM_ACTION[kind[1]!]!);
        }
      } else if (pkg === '@aws-sdk/lib-dynamodb') {
        actions.add(`dynamodb:${DOCUMENT_COMMANDS[name] ?? name}`);
      } else {
        actions.add(`${prefix}:${name}`);
      }
    }
  }
  return actions;
}

function importedCommands(text: string): Map<string, string> {
  const commands = new Map<string, string>();
  for (const match of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[\w-]+)'/g)) {
    for (const part of match[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!;
      if (name.endsWith('Command')) commands.set(name, match[2]!);
    }
  }
  return commands;
}
