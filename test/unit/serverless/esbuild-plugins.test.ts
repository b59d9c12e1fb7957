import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BuildOptions, build } from 'esbuild';
import { productionOptions } from '../../../bench/production-options.ts';
import { NO_CREDENTIALS } from '../../../shared/aws/lambda/lambda-credentials.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const run = promisify(execFile);

/** serverless.yml's esbuild options, as `npm run package` uses them. */
const options: BuildOptions = { ...productionOptions(), logLevel: 'silent' };

async function bundle(work: string, name: string, source: string, extra: BuildOptions = {}) {
  const entry = join(work, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(work, `${name}.mjs`);
  const result = await build({ ...options, ...extra, entryPoints: [entry], outfile, metafile: true });
  return { outfile, inputs: Object.keys(result.metafile!.inputs), text: readFileSync(outfile, 'utf8') };
}

async function buildError(work: string, name: string, source: string): Promise<string> {
  try {
    await bundle(work, name, source);
  } catch (error) {
    return (error as { errors: { text: string; location: { file: string; line: number } | null }[] }).errors
      .map((e) => `${e.location?.file}:${e.location?.line}: ${e.text}`)
      .join('\n');
  }
  throw new Error(`${name} built, but should not have`);
}

describe('the production bundles’ esbuild plugins', () => {
  const work = mkdtempSync(join(ROOT, '.scratch-plugins-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fail the build on `import { z } from "zod"`, naming the file and line', async () => {
    const message = await buildError(
      work,
      'named-zod',
      `\nimport { z } from 'zod';\nexport const s = z.string();\n`,
    );

    expect(message).toContain(
      `${relative(process.cwd(), join(work, 'named-zod.ts'))}:2: import zod as a namespace`,
    );
  });

  it('fail the build on a direct zod/mini import, which would have no messages', async () => {
    const message = await buildError(
      work,
      'mini',
      `import * as z from 'zod/mini';\nexport const s = z.string();\n`,
    );

    expect(message).toContain(
      `${relative(process.cwd(), join(work, 'mini.ts'))}:1: import zod/mini from events/zod-mini.ts`,
    );
  });

  it('fail the build on zod/mini under its other names, and on a re-export of it', async () => {
    const v4mini = await buildError(
      work,
      'v4mini',
      `import * as z from 'zod/v4-mini';\nexport const s = z.string();\n`,
    );
    const reexport = await buildError(work, 'reexport', `export * from 'zod/v4/mini';\n`);

    expect(v4mini).toContain('import zod/mini from events/zod-mini.ts');
    expect(reexport).toContain('import zod/mini from events/zod-mini.ts');
  });

  it('let a type-only zod/mini import through', async () => {
    const { text } = await bundle(
      work,
      'mini-type',
      `import type * as z from 'zod/mini';\nexport const f = (s: z.ZodMiniType) => s;\n`,
    );

    expect(text).toContain('export');
  });

  it('keep schemas built from events/zod-mini.ts speaking English', async () => {
    const { outfile } = await bundle(
      work,
      'english',
      `import * as z from '${ROOT}events/zod-mini.ts';
       const r = z.object({ n: z.number() }).safeParse({ n: 'x' });
       console.log(r.success ? 'ok' : r.error.issues[0].message);`,
    );

    const { stdout } = await run(process.execPath, [outfile]);

    expect(stdout.trim()).toBe('Invalid input: expected number, received string');
  });

  it('take Node built-ins with require(), and refuse a getter that would load a subsystem', async () => {
    const { text } = await bundle(
      work,
      'builtins',
      `import { createHash } from 'node:crypto'; import https from 'node:https'; import { readFileSync } from 'fs';
       export const f = () => [createHash('sha256'), https.Agent, readFileSync];`,
    );
    const message = await buildError(
      work,
      'subtle',
      `import { subtle } from 'node:crypto'; export const s = subtle;`,
    );

    expect(text).not.toMatch(/from\s*"(node:)?(crypto|https|fs)"/);
    expect(text).toMatch(/[\w$]+\("node:crypto"\)/);
    expect(text).toMatch(/[\w$]+\("node:https"\)/);
    expect(message).toContain('No matching export in "node-builtin:crypto" for import "subtle"');
  });
});

describe('the credentials of an SDK client in a production bundle', () => {
  const work = mkdtempSync(join(ROOT, '.scratch-credentials-'));
  const requests: { url: string; authorization: string }[] = [];
  let server: Server;
  let base: string;
  let outfile: string;
  let inputs: string[];

  beforeAll(async () => {
    // Prepare: a fake DynamoDB endpoint and a container credentials endpoint on one server.
    server = createServer((req: IncomingMessage, res) => {
      requests.push({ url: req.url ?? '', authorization: String(req.headers.authorization ?? '') });
      req.resume();
      if (req.url === '/creds') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            AccessKeyId: 'AKIDFROMCONTAINER',
            SecretAccessKey: 'container-secret',
            Token: 'container-token',
            Expiration: new Date(Date.now() + 3_600_000).toISOString(),
          }),
        );
        return;
      }
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A bundle that builds a client the way the functions do (no `credentials` given) and calls twice.
    ({ outfile, inputs } = await bundle(
      work,
      'client',
      `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
       const client = new DynamoDBClient({});
       const get = () => client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'k' } } }));
       try { await get(); await get(); console.log('sent'); } catch (error) { console.log('error: ' + error.message); }`,
    ));
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  async function runBundle(env: Record<string, string>): Promise<string> {
    requests.length = 0;
    const { stdout } = await run(process.execPath, [outfile], {
      env: {
        PATH: process.env.PATH,
        HOME: work,
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_DYNAMODB: base,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    return stdout.trim();
  }

  it('leaves the SDK’s default chain out of the bundle', () => {
    expect(inputs.some((path) => path.includes('credential-provider-node'))).toBe(false);
    expect(inputs.some((path) => path.includes('nested-clients'))).toBe(false);
    expect(inputs).toContain('shared/aws/lambda/lambda-credentials.ts');
  });

  it('signs with the keys Lambda puts in the environment', async () => {
    const out = await runBundle({
      AWS_ACCESS_KEY_ID: 'AKIDFROMENVIRONMENT',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-token',
    });

    expect(out).toBe('sent');
    expect(requests).toHaveLength(2);
    for (const request of requests)
      expect(request.authorization).toContain('Credential=AKIDFROMENVIRONMENT/');
  });

  it('falls back to a container credentials endpoint, asked once for both calls', async () => {
    const out = await runBundle({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/creds` });

    expect(out).toBe('sent');
    expect(requests.map((r) => r.url)).toEqual(['/creds', '/', '/']);
    expect(requests[1]!.authorization).toContain('Credential=AKIDFROMCONTAINER/');
  });

  it('says what is missing when neither is there, and sends nothing', async () => {
    const out = await runBundle({});

    expect(out).toBe(`error: ${NO_CREDENTIALS}`);
    expect(requests).toEqual([]);
  });
});
