/**
 * `npx tsx bench/bundle-inputs.ts <function|naive|floor> [top]`: builds one production bundle with a
 * metafile and prints what it is made of, by package (bytes in the output), so a slow bundle
 * says where its weight comes from. The metafile is left beside the bundle for esbuild's analyzer
 * (https://esbuild.github.io/analyze/). Not a test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DEPLOYED, type DeployedName } from '../serverless/functions.ts';
import { entryOptions, productionOptions } from './production-options.ts';

const [name = '', top = '30'] = process.argv.slice(2);
if (name !== 'naive' && name !== 'floor' && !(name in DEPLOYED)) {
  console.error(`usage: bundle-inputs.ts <${Object.keys(DEPLOYED).join('|')}|naive|floor> [top]`);
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'pushline-inputs-'));
const outfile = join(work, `${name}.mjs`);
const result = await build({
  ...productionOptions(),
  ...entryOptions(name as DeployedName | 'naive' | 'floor'),
  outfile,
  metafile: true,
});
const metafile = result.metafile!;
writeFileSync(join(work, `${name}.meta.json`), JSON.stringify(metafile));
const output = Object.values(metafile.outputs)[0]!;
const byPackage = new Map<string, number>();
for (const [path, input] of Object.entries(output.inputs)) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
}
console.log(`${name}: ${(output.bytes / 1024).toFixed(0)} KiB → ${outfile}`);
for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${pkg}`);
}
