import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const CACHE = join(ROOT, 'node_modules', '.cache', 'pushline-package');
/** What the packaged stack is made of: if none of it changed, the package in the cache is this run's. */
const INPUTS = [
  'serverless.yml',
  'pushline.yml',
  'package-lock.json',
  'serverless',
  'functions',
  'shared',
  'events',
];
const STALE_LOCK_MS = 5 * 60_000;

export interface PackagedStack {
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is any JSON
  template: { Resources: Record<string, { Type: string; Properties?: any; [key: string]: unknown }> };
}

function inputHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
      return;
    }
    hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

/**
 * `osls package` of the stack, once per test run however many test files (and jest workers) ask:
 * the result is cached under node_modules/.cache by a hash of every input file, and an atomic
 * lock directory makes concurrent callers wait for the one that packages. Packaging takes ~20 s.
 */
export async function packagedStack(): Promise<PackagedStack> {
  mkdirSync(CACHE, { recursive: true });
  const key = inputHash();
  const dir = join(CACHE, key);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 240_000;
  while (!existsSync(join(dir, 'cloudformation-template-update-stack.json'))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      const tmp = `${dir}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      await osls(['package', '--stage', 'dev', '--package', tmp]);
      renameSync(tmp, dir);
      // Packages of earlier inputs are of no use any more: keep the cache to the current one.
      for (const entry of readdirSync(CACHE)) {
        if (entry !== key && !entry.endsWith('.lock'))
          rmSync(join(CACHE, entry), { recursive: true, force: true });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return {
    dir,
    template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')),
  };
}

/** Runs osls with no terminal to prompt on (stdin closed), offline settings, and a time limit. */
function osls(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
      env: {
        ...process.env,
        CI: '1',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_REGION: 'eu-west-1',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`osls ${args.join(' ')} failed (${code ?? signal}):\n${output}`)),
    );
  });
}
