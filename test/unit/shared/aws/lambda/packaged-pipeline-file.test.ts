import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build, type Metafile } from 'esbuild';
import { stack } from '../../../../../serverless/stack.ts';
import { loadPipelineFile } from '../../../../../shared/domain/pipeline-file.ts';

const ROOT = new URL('../../../../../', import.meta.url).pathname;
const FILE = `version: 1
pipelines:
  - name: web
    source: { github: acme/web }
    build: { codebuild: { project: web-build } }
    production:
      canary: { interval: 5m, bake: 10m }
`;

describe('the pipeline file in a packaged bundle', () => {
  const work = mkdtempSync(join(tmpdir(), 'pushline-packaged-file-'));
  const { define } = stack({ stage: 'dev', service: 'pushline', pipelineFileText: FILE });
  let inputs: Metafile['inputs'];
  let fromEnv: () => unknown;
  const table = process.env.PUSHLINE_TABLE;

  beforeAll(async () => {
    // Prepare: an entry that reads the file the way every handler does, bundled with the stack's define.
    const entry = join(work, 'entry.ts');
    writeFileSync(
      entry,
      `import { pipelineFileFromEnv, readLambdaEnv } from '${ROOT}shared/aws/lambda/lambda-env.ts';
       export const fromEnv = () => pipelineFileFromEnv(readLambdaEnv());`,
    );
    const outfile = join(work, 'entry.mjs');
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true,
      define,
      metafile: true,
      logLevel: 'silent',
    });
    inputs = result.metafile.inputs;
    process.env.PUSHLINE_TABLE = 'pushline-dev';
    ({ fromEnv } = (await import(outfile)) as { fromEnv: () => unknown });
  }, 60_000);
  afterAll(() => {
    if (table === undefined) delete process.env.PUSHLINE_TABLE;
    else process.env.PUSHLINE_TABLE = table;
    rmSync(work, { recursive: true, force: true });
  });

  it('is the file as validated at packaging, every default applied', () => {
    expect(fromEnv()).toEqual(loadPipelineFile(FILE));
  });

  it('leaves the pipeline-file schema out of the bundle', () => {
    const files = Object.keys(inputs);

    expect(files.some((path) => path.endsWith('shared/aws/lambda/lambda-env.ts'))).toBe(true);
    expect(files.filter((path) => path.includes('pipeline-config'))).toEqual([]);
  });
});
