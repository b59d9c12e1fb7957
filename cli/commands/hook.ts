import { randomUUID } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildPushPayload, parsePostReceiveInput } from '../../shared/local/git-push-payload.ts';
import { postGithubPush } from '../../shared/local/post-push.ts';
import { spoolDir, spoolPush } from '../../shared/local/push-spool.ts';
import { describePushAnswer, pipelinesForRepo, serverAnswers } from '../local/hook-checks.ts';
import { readServerInfo } from '../local/server-info.ts';
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

/**
 * The webhook secret: the environment first, then the file the local server keeps in its data
 * folder; or why there is none, naming the file looked at.
 */
async function readSecret(secretFile: string | undefined): Promise<{ secret: string } | { missing: string }> {
  if (process.env.GITHUB_WEBHOOK_SECRET) return { secret: process.env.GITHUB_WEBHOOK_SECRET };
  if (!secretFile) return { missing: 'GITHUB_WEBHOOK_SECRET is not set and the hook names no --secret-file' };
  try {
    const secret = (await readFile(secretFile, 'utf8')).trim();
    return secret ? { secret } : { missing: `${secretFile} is empty` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      missing: `GITHUB_WEBHOOK_SECRET is not set and ${secretFile} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
    };
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
    .requiredOption('--repo <owner/name>', 'the repository name the pipeline file uses (source.github)')
    .option('-c, --config <file>', 'the pipeline file --repo is checked against', 'pushline.yml')
    .option(
      '-d, --data <dir>',
      "the server's data folder (its webhook-secret file is read at push time)",
      '.pushline',
    )
    .option(
      '--url <url>',
      'the Pushline server (default: the one running on --data, else http://127.0.0.1:8787)',
    )
    .addHelpText(
      'after',
      '\nPaths are stored absolute, so the hook works whatever folder git runs it from.\n' +
        'A --repo that matches no pipeline of the file is refused; a server that does not answer is a warning.',
    )
    .action(
      async (bareRepo: string, options: { repo: string; config: string; data: string; url?: string }) => {
        const fail = (message: string, code: number) => {
          console.error(`pushline hook install: ${message}`);
          setExitCode(code);
        };
        const gitDir = path.resolve(bareRepo);
        const isBare = await stat(path.join(gitDir, 'HEAD')).then(
          (s) => s.isFile(),
          () => false,
        );
        if (!isBare) return fail(`${gitDir} is not a bare Git repository (no HEAD file)`, 2);
        if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) {
          return fail(`--repo must be "owner/name", not "${options.repo}"`, 2);
        }
        const configFile = path.resolve(options.config);
        const matched = await pipelinesForRepo(configFile, options.repo);
        if (!matched.ok) return fail(matched.message, 1);

        const dataDir = path.resolve(options.data);
        const running = readServerInfo(dataDir);
        const url = options.url ?? running?.url ?? 'http://127.0.0.1:8787';
        const target = await installHook({ gitDir, repo: options.repo, url, dataDir });
        const secretFile = path.join(dataDir, 'webhook-secret');
        console.log(`Installed ${target}`);
        console.log(`  pushes to   ${gitDir} are posted as github ${options.repo}`);
        console.log(`  server      ${url}`);
        console.log(`  data folder ${dataDir} (the hook signs with ${secretFile})`);
        console.log(`  pipelines   ${matched.pipelines.map((p) => p.name).join(', ')} (from ${configFile})`);
        if (!(await serverAnswers(url))) {
          console.warn(
            `pushline hook install: warning: no Pushline server answers at ${url}/healthz` +
              (running
                ? ` (${path.join(dataDir, 'server.json')} names ${running.url})`
                : ` (no server.json in ${dataDir})`) +
              `; start it before pushing: pushline up --config ${configFile} --data ${dataDir}`,
          );
        } else if (running && running.url !== url) {
          console.warn(
            `pushline hook install: warning: ${url} answers, but the server of ${dataDir} is ${running.url}: the hook signs with that server's secret, so ${url} may refuse it`,
          );
        }
      },
    );

  hook
    .command('post-receive')
    .description('(run by git) read `<old> <new> <ref>` lines on stdin and post one push per ref.')
    .requiredOption('--repo <owner/name>', 'the repository name')
    .requiredOption('--url <url>', 'the Pushline server')
    .requiredOption('--clone-url <path>', 'where the builder clones from')
    .option('--secret-file <file>', 'file holding the webhook secret (GITHUB_WEBHOOK_SECRET wins)')
    .action(async (options: { repo: string; url: string; cloneUrl: string; secretFile?: string }) => {
      const found = await readSecret(options.secretFile);
      if (!('secret' in found)) {
        console.error(
          `pushline: no webhook secret: ${found.missing}. Start \`pushline up\` with that data folder, or reinstall the hook with the right --data; no run started`,
        );
        return; // a post-receive hook cannot undo the push: warn, do not fail it
      }
      const { secret } = found;
      const gitDir = process.env.GIT_DIR ? path.resolve(process.env.GIT_DIR) : process.cwd();
      // The server's data folder holds the secret file; what cannot be delivered waits there.
      const spool = options.secretFile ? spoolDir(path.dirname(options.secretFile)) : undefined;
      for (const update of parsePostReceiveInput(await readStdin())) {
        const payload = await buildPushPayload({
          gitDir,
          update,
          repo: options.repo,
          cloneUrl: options.cloneUrl,
        });
        const deliveryId = randomUUID();
        let failure: string;
        try {
          const { status, body } = await postGithubPush({ url: options.url, secret, payload, deliveryId });
          for (const line of describePushAnswer(update.ref, status, body)) console.log(line);
          if (status === 401) {
            console.log(
              `pushline:   ${options.url} refused the signature: its secret is not the one in ${options.secretFile ?? 'GITHUB_WEBHOOK_SECRET'} (another data folder?)`,
            );
          }
          if (status < 500) continue;
          failure = `${options.url} answered ${status}`;
        } catch (error) {
          // fetch says only "fetch failed"; its cause says why (ECONNREFUSED: no server listens).
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          failure = `could not reach ${options.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
        }
        if (!spool) {
          console.error(`pushline: ${failure} for ${update.ref}; no run started`);
          continue;
        }
        const file = await spoolPush(spool, {
          deliveryId,
          ref: update.ref,
          spooledAt: new Date().toISOString(),
          payload,
        });
        console.error(
          `pushline: ${failure} for ${update.ref}; the push is kept in ${file} and delivered when \`pushline up\` starts`,
        );
      }
    });
}
