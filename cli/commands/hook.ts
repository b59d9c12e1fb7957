import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildPushPayload, parsePostReceiveInput } from '../../shared/local/git-push-payload.ts';
import { postGithubPush } from '../../shared/local/post-push.ts';
import type { SetExitCode } from './index.ts';

const BIN = fileURLToPath(new URL('../../bin/pushline.js', import.meta.url));

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Single-quotes a value for a POSIX shell script. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The webhook secret: the environment first, then the file the local server keeps in its data folder. */
async function readSecret(secretFile: string | undefined): Promise<string | undefined> {
  if (process.env.GITHUB_WEBHOOK_SECRET) return process.env.GITHUB_WEBHOOK_SECRET;
  if (!secretFile) return undefined;
  try {
    return (await readFile(secretFile, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `hooks/post-receive` into a bare repository: on every push, git runs
 * `pushline hook post-receive`, which posts one signed GitHub-format push per ref to `url`.
 */
export async function installHook(options: {
  gitDir: string;
  repo: string;
  url: string;
  dataDir: string;
}): Promise<string> {
  const secretFile = path.resolve(options.dataDir, 'webhook-secret');
  const script = [
    '#!/bin/sh',
    '# Installed by `pushline hook install`: announces every pushed ref to Pushline.',
    `exec ${shellQuote(process.execPath)} ${shellQuote(BIN)} hook post-receive \\`,
    `  --repo ${shellQuote(options.repo)} --url ${shellQuote(options.url)} \\`,
    `  --clone-url ${shellQuote(options.gitDir)} --secret-file ${shellQuote(secretFile)}`,
    '',
  ].join('\n');
  const target = path.join(options.gitDir, 'hooks', 'post-receive');
  await writeFile(target, script);
  await chmod(target, 0o755);
  return target;
}

export function register(program: Command, setExitCode: SetExitCode): void {
  const hook = program.command('hook').description('Start runs on `git push` to a local bare repository.');

  hook
    .command('install')
    .description(
      'Install a post-receive hook that posts each pushed ref to Pushline as a signed GitHub push.',
    )
    .argument('<bare-repo>', 'path of the bare repository pushed to')
    .option('--repo <owner/name>', 'the repository name the pipeline file uses (source.github)', 'local/app')
    .option('--url <url>', 'the Pushline server', 'http://127.0.0.1:8787')
    .option(
      '--data <dir>',
      "the server's data folder (its webhook-secret file is read at push time)",
      '.pushline',
    )
    .action(async (bareRepo: string, options: { repo: string; url: string; data: string }) => {
      const gitDir = path.resolve(bareRepo);
      const isBare = await stat(path.join(gitDir, 'HEAD')).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!isBare) {
        console.error(`pushline hook install: ${gitDir} is not a bare Git repository (no HEAD file)`);
        setExitCode(2);
        return;
      }
      if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) {
        console.error(`pushline hook install: --repo must be "owner/name", not "${options.repo}"`);
        setExitCode(2);
        return;
      }
      const target = await installHook({
        gitDir,
        repo: options.repo,
        url: options.url,
        dataDir: options.data,
      });
      console.log(
        `Installed ${target}: pushes to ${gitDir} start runs on ${options.url} as ${options.repo}.`,
      );
    });

  hook
    .command('post-receive')
    .description('(run by git) read `<old> <new> <ref>` lines on stdin and post one push per ref.')
    .requiredOption('--repo <owner/name>', 'the repository name')
    .requiredOption('--url <url>', 'the Pushline server')
    .requiredOption('--clone-url <path>', 'where the builder clones from')
    .option('--secret-file <file>', 'file holding the webhook secret (GITHUB_WEBHOOK_SECRET wins)')
    .action(async (options: { repo: string; url: string; cloneUrl: string; secretFile?: string }) => {
      const secret = await readSecret(options.secretFile);
      if (!secret) {
        console.error(
          'pushline: no webhook secret (set GITHUB_WEBHOOK_SECRET or start `pushline up` first); no run started',
        );
        return; // a post-receive hook cannot undo the push: warn, do not fail it
      }
      const gitDir = process.env.GIT_DIR ? path.resolve(process.env.GIT_DIR) : process.cwd();
      for (const update of parsePostReceiveInput(await readStdin())) {
        const payload = await buildPushPayload({
          gitDir,
          update,
          repo: options.repo,
          cloneUrl: options.cloneUrl,
        });
        try {
          const { status, body } = await postGithubPush({ url: options.url, secret, payload });
          const runs = (body as { runs?: { runId: string; pipeline: string }[] }).runs ?? [];
          const ignored = (body as { ignored?: string }).ignored;
          if (runs.length)
            for (const r of runs) console.log(`pushline: ${update.ref} → run ${r.runId} (${r.pipeline})`);
          else console.log(`pushline: ${update.ref} → ${status}${ignored ? ` ignored: ${ignored}` : ''}`);
        } catch (error) {
          console.error(
            `pushline: could not reach ${options.url} for ${update.ref}: ${(error as Error).message}`,
          );
        }
      }
    });
}
