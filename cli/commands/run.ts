import { resolve } from 'node:path';
import type { Command } from 'commander';
import { shortRunId } from '../../shared/domain/run-id.ts';
import type { RunSummary } from '../../shared/local/api-routes.ts';
import { cliUser, postJson, withApi } from '../local/api-client.ts';
import type { SetExitCode } from './index.ts';

interface RunOptions {
  ref?: string;
  repo?: string;
  as?: string;
  data: string;
  server?: string;
}

/** `https://…`, `file://…`, `ssh://…` or scp-like `git@host:owner/repo`; anything else is a local path. */
const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

/**
 * `pushline run <pipeline> --ref <branch|tag|sha>`: starts a run by hand, without a push (trigger
 * `manual`), through `POST /api/pipelines/:name/runs` — on the local server of `--data` or any
 * server (`--server`, `PUSHLINE_SERVER`, with `PUSHLINE_TOKEN`). `--repo` names the repository when
 * the server has not seen a push of the pipeline yet; a local path is made absolute here, because
 * the server resolves it, not this shell.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('run')
    .description('Start a run by hand for a branch, a tag or a commit, without a push (trigger manual).')
    .argument('<pipeline>', 'the pipeline to run')
    .requiredOption('--ref <ref>', 'a branch, a tag, or a commit id (whole or abbreviated)')
    .option('--repo <path|url>', "the pipeline's repository, when no push has shown the server where it is")
    .option('--as <name>', 'who starts the run (default: your user name; a token may name you instead)')
    .option('-d, --data <dir>', 'the data folder of the local server', '.pushline')
    .option('--server <url>', 'the Pushline API to talk to (default: PUSHLINE_SERVER, else the local server)')
    .action(async (pipeline: string, options: RunOptions) => {
      const say = (line: string) => console.error(`pushline run: ${line}`);
      if (!options.ref?.trim()) {
        say('--ref is required: a branch, a tag or a commit id');
        setExitCode(2);
        return;
      }
      const repository = options.repo && (isUrl(options.repo) ? options.repo : resolve(options.repo));
      await withApi('run', options, setExitCode, async (target) => {
        const answer = await postJson(target, `/api/pipelines/${encodeURIComponent(pipeline)}/runs`, {
          ref: options.ref,
          by: options.as ?? cliUser(),
          ...(repository ? { repository } : {}),
        });
        const run = answer.run as RunSummary;
        const { source } = run;
        const named = source.branch ?? (source.tag ? `tag ${source.tag}` : 'commit');
        const subject = source.message.split('\n')[0];
        console.log(
          `started run ${shortRunId(run.id)} (${run.pipeline}) for ${named} ${source.commit.slice(0, 7)} "${subject}"; follow it with \`pushline show ${shortRunId(run.id)}\``,
        );
      });
    });
}
