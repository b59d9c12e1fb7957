import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEPLOYED, DEPLOYED_NAMES, type DeployedName, logicalStem } from '../../serverless/functions.ts';
import { createPushlineTable } from '../contract/aws/support/pushline-table.ts';
import { type Moto, startMoto } from '../support/moto.ts';
import { type PackagedStack, packagedStack } from '../unit/serverless/support/packaged-stack.ts';
import { readZip } from '../unit/serverless/support/read-zip.ts';
import { environmentOf } from '../unit/serverless/support/template-values.ts';
import { githubExamples } from '../unit/shared/sources/github-examples.ts';

/**
 * Issue 14: Lambda runs the functions on Node 22 (`nodejs22.x`). Each packaged bundle, as the zip
 * holds it, is loaded by Node 22 (scripts/ensure-node22.sh fetches it; `PUSHLINE_NODE22` names
 * another) and invoked with an event of the kind it is deployed for, in the environment the
 * template gives it, against moto for DynamoDB and SSM: parsing, middy, the SDK clients and the
 * store all run on Lambda's runtime, not only on the Node of this machine.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE22 = process.env.PUSHLINE_NODE22 ?? join(ROOT, '.node22', 'bin', 'node');
const SECRET = 'node22-webhook-secret';
const run$ = promisify(execFile);

const sample = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'events', 'samples', `${name}.json`), 'utf8'));
const fixture = (path: string) => JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', path), 'utf8'));

/** An HTTP API (payload 2.0) request. */
function httpEvent(method: string, path: string, headers: Record<string, string>, body = '') {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'r-1', http: { method, path, sourceIp: '192.0.2.1' } },
  };
}

function withCommits(event: { detail: Record<string, unknown> }) {
  return { ...event, detail: { ...event.detail, commitId: 'a'.repeat(40), oldCommitId: 'b'.repeat(40) } };
}

/** The event each function is invoked with, and what it must answer. */
function invocations(): Record<DeployedName, { event: unknown; expect: (result: Outcome) => void }> {
  const push = JSON.stringify(githubExamples('push')[4]!.payload);
  const signature = `sha256=${createHmac('sha256', SECRET).update(push).digest('hex')}`;
  const handled = (result: Outcome) => expect(result.ok ? 'handled' : result.error).toBe('handled');
  return {
    'receive-github': {
      event: httpEvent(
        'POST',
        '/webhooks/github',
        {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': 'n22-1',
          'x-hub-signature-256': signature,
        },
        push,
      ),
      // The sample push matches no pipeline of the packaged file: 202 with the reason, after the
      // signature was checked against the secret read from SSM.
      expect: (result) => expect(result).toMatchObject({ ok: true, result: { statusCode: 202 } }),
    },
    'receive-gitlab': {
      event: httpEvent(
        'POST',
        '/webhooks/gitlab',
        { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' },
        '{}',
      ),
      expect: (result) =>
        expect(result).toMatchObject({ ok: true, result: { statusCode: expect.any(Number) } }),
    },
    api: {
      event: httpEvent('GET', '/api/runs', { accept: 'application/json' }),
      expect: (result) => expect(result).toMatchObject({ ok: true, result: { statusCode: 401 } }),
    },
    'slack-interactions': {
      event: httpEvent(
        'POST',
        '/slack/interactions',
        {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': '1',
          'x-slack-signature': 'v0=00',
        },
        'payload=%7B%7D',
      ),
      expect: (result) =>
        expect(result).toMatchObject({ ok: true, result: { statusCode: expect.any(Number) } }),
    },
    'receive-codecommit': {
      // AWS's example with real commit ids in place of its placeholders (`7f0103fMERGE`).
      event: withCommits(fixture('codecommit/reference-updated.json')),
      expect: handled,
    },
    'start-build': { event: sample('run-started'), expect: handled },
    'finish-build': { event: fixture('aws/codebuild-build-state-change-succeeded.json'), expect: handled },
    'deploy-staging': { event: sample('tests-passed'), expect: handled },
    'finish-deployment': { event: fixture('aws/codedeploy-deployment-state-change.json'), expect: handled },
    'request-approval': { event: sample('staging-deployed'), expect: handled },
    'start-canary': { event: sample('staging-deployed'), expect: handled },
    'judge-canary': { event: sample('canary-started'), expect: handled },
    promote: { event: sample('canary-healthy'), expect: handled },
    rollback: { event: sample('canary-unhealthy'), expect: handled },
    notify: { event: sample('run-finished'), expect: handled },
    watchdog: { event: {}, expect: handled },
    publish: { event: [], expect: (result) => expect(result).toMatchObject({ ok: true, result: [] }) },
    'lifecycle-hook': {
      event: { DeploymentId: 'd-7K2B0V5WX', LifecycleEventHookExecutionId: 'exec-1' },
      // moto has no CodeDeploy: the hook cannot answer it, and throws a transient error (Lambda retries).
      expect: (result) =>
        expect(result.ok ? 'handled' : result.error).toMatch(
          /^TransientError: CodeDeploy PutLifecycleEventHookExecutionStatus failed/,
        ),
    },
  } as Record<DeployedName, { event: unknown; expect: (result: Outcome) => void }>;
}

type Outcome = { ok: true; result: unknown; node: string } | { ok: false; error: string; node: string };

describe.each([['Node 22 (Lambda nodejs22.x)']])('the packaged bundles on %s', () => {
  let stack: PackagedStack;
  let moto: Moto;
  let work: string;
  let table: string;

  beforeAll(async () => {
    if (!existsSync(NODE22))
      throw new Error(`no Node 22 at ${NODE22}: run \`sh scripts/ensure-node22.sh\` (npm test does)`);
    [stack, moto] = await Promise.all([packagedStack(), startMoto()]);
    work = mkdtempSync(join(tmpdir(), 'pushline-node22-'));
    table = await createPushlineTable(new DynamoDBClient(moto.clientConfig), 'pushline-node22');
    const ssm = new SSMClient(moto.clientConfig);
    const prefix = environmentOf(stack, 'ReceiveGithubLambdaFunction').PUSHLINE_SECRETS_PREFIX!;
    await ssm.send(
      new PutParameterCommand({
        Name: `${prefix}github-webhook-secret`,
        Type: 'SecureString',
        Value: SECRET,
      }),
    );
    ssm.destroy();
  }, 300_000);

  afterAll(async () => {
    await moto?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is Node 22', async () => {
    const { stdout } = await run$(NODE22, ['--version']);
    expect(stdout.trim()).toMatch(/^v22\./);
  });

  it.each(DEPLOYED_NAMES)(
    '%s loads and handles an event of its kind',
    async (name) => {
      const stem = logicalStem(name);
      const zip = readZip(join(stack.dir, `${stem[0]!.toLowerCase()}${stem.slice(1)}.zip`));
      const bundle = join(work, `${name}.mjs`);
      writeFileSync(bundle, zip.get(`functions/${DEPLOYED[name].dir}/handler.mjs`)!);
      const { event, expect: check } = invocations()[name];
      const eventFile = join(work, `${name}.event.json`);
      writeFileSync(eventFile, JSON.stringify(event));
      const script = `
      const { readFileSync } = await import('node:fs');
      const { handler } = await import(${JSON.stringify(bundle)});
      const event = JSON.parse(readFileSync(${JSON.stringify(eventFile)}, 'utf8'));
      const context = { awsRequestId: 'req-1', functionName: ${JSON.stringify(name)}, getRemainingTimeInMillis: () => 30000 };
      let outcome;
      try { outcome = { ok: true, result: (await handler(event, context)) ?? null }; }
      catch (error) { outcome = { ok: false, error: String(error?.stack ?? error) }; }
      process.stdout.write('\\nOUTCOME ' + JSON.stringify({ ...outcome, node: process.version }) + '\\n');
    `;
      const env = {
        PATH: process.env.PATH,
        ...environmentOf(stack, `${stem}LambdaFunction`),
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_ENDPOINT_URL: moto.endpoint,
        PUSHLINE_TABLE: table,
      };
      const { stdout } = await run$(NODE22, ['--input-type=module', '-e', script], { env, timeout: 60_000 });
      const line = stdout.split('\n').find((l) => l.startsWith('OUTCOME '));
      const outcome = JSON.parse(line!.slice('OUTCOME '.length)) as Outcome;

      expect(outcome.node).toMatch(/^v22\./);
      check(outcome);
    },
    90_000,
  );
});
