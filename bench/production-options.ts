import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { parse } from 'yaml';
import { DEPLOYED, type DeployedName } from '../serverless/functions.ts';
import { stack } from '../serverless/stack.ts';

export const ROOT = new URL('../', import.meta.url).pathname;

function packagedStack() {
  return stack({
    stage: 'bench',
    service: 'pushline',
    pipelineFileText: readFileSync(join(ROOT, 'pushline.yml'), 'utf8'),
  });
}

/**
 * serverless.yml's `custom.esbuild` as esbuild options: serverless-esbuild's own keys dropped,
 * the plugins file loaded, and `define` resolved (pushline.yml compiled in) — so the bench and the
 * analysis build exactly what `npm run package` builds.
 */
export function productionOptions(): BuildOptions {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: Record<string, unknown> };
  };
  const {
    exclude: _e,
    outputFileExtension: _o,
    define: _d,
    plugins: pluginFile,
    ...esbuild
  } = yml.custom.esbuild;
  const plugins = pluginFile
    ? (createRequire(import.meta.url)(join(ROOT, String(pluginFile))) as Plugin[])
    : [];
  const { define } = packagedStack();
  return { ...(esbuild as BuildOptions), define, plugins, write: true, logLevel: 'silent' };
}

/**
 * The environment a deployed function starts with: the provider's (region, table, stage) and its
 * own from the stack, CloudFormation references replaced by placeholders (`arn:aws:…:bench`).
 */
export function environmentOf(name: DeployedName): Record<string, string> {
  const fn = Object.values(packagedStack().functions).find(
    (f) => f.handler === `functions/${DEPLOYED[name].dir}/handler.handler`,
  ) as { environment?: Record<string, unknown> } | undefined;
  const own = Object.entries(fn?.environment ?? {}).map(([key, value]) => [key, placeholder(value)]);
  return {
    AWS_REGION: 'eu-west-1',
    PUSHLINE_TABLE: 'pushline-bench',
    PUSHLINE_STAGE: 'bench',
    ...Object.fromEntries(own),
  };
}

function placeholder(value: unknown): string {
  if (typeof value === 'string') return value;
  const sub = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub.replace(/\$\{[^}]*\}/g, 'bench');
  return 'arn:aws:bench:eu-west-1:123456789012:bench';
}

/** The entry point of a deployed function. */
export function entryOf(name: DeployedName): string {
  return join(ROOT, 'functions', DEPLOYED[name].dir, 'handler.ts');
}

/** What to bundle: a deployed function, or one of the reference bundles (written in memory). */
export function entryOptions(name: DeployedName | 'naive' | 'floor'): BuildOptions {
  if (name !== 'naive' && name !== 'floor') return { entryPoints: [entryOf(name)] };
  return {
    // The naive bundle is built as anyone would: without our plugins (the SDK's own credential
    // chain). The floor has them, as every function does.
    ...(name === 'naive' ? { plugins: [] } : {}),
    stdin: {
      contents: name === 'naive' ? NAIVE_ENTRY : FLOOR_ENTRY,
      resolveDir: ROOT,
      loader: 'js',
      sourcefile: `bench/${name}-entry.mjs`,
    },
  };
}

/**
 * The naive bundle the functions are compared with: the usual Lambda stack (a CodeBuild client,
 * all of zod, middy, Powertools logger and metrics), doing one call.
 */
export const NAIVE_ENTRY = `
import { CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import * as z from 'zod';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
const client = new CodeBuildClient({});
const logger = new Logger({ serviceName: 'naive' });
const metrics = new Metrics({ namespace: 'naive', serviceName: 'naive' });
const Input = z.object({ projectName: z.string() });
export const handler = middy(async (event) => {
  const input = Input.parse(event);
  logger.info('starting', { input });
  metrics.addMetric('starts', 'Count', 1);
  return client.send(new StartBuildCommand(input));
});
`;

/**
 * The floor of every function that reads or writes the run store: a bundle that builds a
 * DynamoDBClient and does nothing else. No function that creates an AWS SDK client at module load
 * can load faster than this with the SDK bundled.
 */
export const FLOOR_ENTRY = `
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (input) => client.send(new GetItemCommand(input));
`;
