// Loads serverless/stack.ts for serverless.yml's `${file(./serverless/stack.cjs):…}` variables.
// The TypeScript is bundled in memory with esbuild (dependencies stay external) and evaluated
// as CommonJS, once per packaging run.
const path = require('node:path');
const fs = require('node:fs');
const { buildSync } = require('esbuild');

let cached;

function loadStackModule() {
  const { outputFiles } = buildSync({
    entryPoints: [path.join(__dirname, 'stack.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(mod, mod.exports, require);
  return mod.exports;
}

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const file = process.env.PUSHLINE_FILE || path.join(__dirname, '..', 'pushline.yml');
  // Server targets whose builds report a bare artifacts key: the bucket (docs/aws.md).
  const artifactsBucket = process.env.PUSHLINE_ARTIFACTS_BUCKET || undefined;
  const key = `${stage}\0${file}\0${artifactsBucket ?? ''}`;
  if (!cached || cached.key !== key) {
    const { stack } = loadStackModule();
    const pipelineFileText = fs.readFileSync(file, 'utf8');
    cached = {
      key,
      value: stack({ stage, service: 'pushline', pipelineFileText, options: { artifactsBucket } }),
    };
  }
  return cached.value;
};
