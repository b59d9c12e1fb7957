import type { Command } from 'commander';
import { shortRunId } from '../../shared/domain/run-id.ts';
import type { RunSummary } from '../../shared/local/api-routes.ts';
import { cliUser, getJson, postJson, withApi } from '../local/api-client.ts';
import type { SetExitCode } from './index.ts';

/** When `run` was promoted to production (its production stage's end), or '' when it was not. */
function promotedAt(run: RunSummary): string {
  const production = run.stages.find((stage) => stage.name === 'production');
  return production?.status === 'succeeded' ? (production.finishedAt ?? run.finishedAt ?? '') : '';
}

/**
 * `pushline undo <pipeline>`: puts the release before the current one back in production — a
 * redeploy (`POST /api/runs/:id/redeploy`) of the run promoted before the last one, through
 * staging, the gate and the canary, without building again.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('undo')
    .description('Put the release before the current one back in production (a redeploy of it).')
    .argument('<pipeline>', 'the pipeline whose production release to undo')
    .option('--as <name>', 'who acts (default: your user name)')
    .option('-d, --data <dir>', 'the data folder of the local server', '.pushline')
    .option('--server <url>', 'the Pushline API to talk to (default: PUSHLINE_SERVER, else the local server)')
    .action(async (pipeline: string, options: { data: string; server?: string; as?: string }) => {
      const say = (line: string) => console.error(`pushline undo: ${line}`);
      await withApi('undo', options, setExitCode, async (target) => {
        const { runs } = (await getJson(
          target,
          `/api/runs?pipeline=${encodeURIComponent(pipeline)}&status=succeeded&limit=50`,
        )) as { runs: RunSummary[] };
        const releases = runs
          .filter((run) => promotedAt(run))
          .sort((a, b) => promotedAt(b).localeCompare(promotedAt(a)));
        if (releases.length < 2) {
          say(
            releases.length === 0
              ? `pipeline ${pipeline} has no release in production yet`
              : `pipeline ${pipeline} has had one release only (run ${shortRunId(releases[0]!.id)}): there is none before it`,
          );
          setExitCode(1);
          return;
        }
        const [current, previous] = releases as [RunSummary, RunSummary];
        const answer = await postJson(target, `/api/runs/${previous.id}/redeploy`, {
          by: options.as ?? cliUser(),
        });
        const run = answer.run as RunSummary;
        console.log(
          `undoing run ${shortRunId(current.id)} (${current.source.commit.slice(0, 7)}): redeploying run ${shortRunId(previous.id)} (${previous.source.commit.slice(0, 7)}) as run ${shortRunId(run.id)}`,
        );
      });
    });
}
