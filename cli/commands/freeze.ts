import type { Command } from 'commander';
import type { PipelineView } from '../../shared/app/pipeline-operations.ts';
import { type ApiTarget, cliUser, getJson, postJson, withApi } from '../local/api-client.ts';
import type { SetExitCode } from './index.ts';

interface Options {
  data: string;
  server?: string;
  as?: string;
  reason?: string;
}

/** One line per pipeline: frozen or not, its windows and whether production may start now. */
export function formatPipeline(pipeline: PipelineView): string {
  const freeze = pipeline.frozen
    ? `frozen by ${pipeline.frozen.by} since ${pipeline.frozen.at}: ${pipeline.frozen.reason}`
    : 'not frozen';
  const windows =
    pipeline.windows.length === 0
      ? 'no deploy windows'
      : `windows ${pipeline.windows.join('; ')} (${pipeline.windowsOpen ? 'open now' : `closed; next opens ${pipeline.nextOpening ?? 'never'}`})`;
  return `${pipeline.name}: ${freeze}; ${windows}`;
}

/**
 * `pushline freeze <pipeline> --reason`, `pushline unfreeze <pipeline>` and `pushline pipelines`:
 * hold production of a pipeline (runs reaching it wait, visibly, and go on when it is unfrozen),
 * and see each pipeline's freeze and deploy windows — through the API, local or `--server`.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  const connect = (command: Command) =>
    command
      .option('--as <name>', 'who acts (default: your user name; a token may name you instead)')
      .option('-d, --data <dir>', 'the data folder of the local server', '.pushline')
      .option(
        '--server <url>',
        'the Pushline API to talk to (default: PUSHLINE_SERVER, else the local server)',
      );

  function call(name: string, options: Options, request: (target: ApiTarget) => Promise<void>) {
    return withApi(name, options, setExitCode, request, (error, say) => {
      const pipeline = error.body.pipeline as PipelineView | undefined;
      if (pipeline) say(formatPipeline(pipeline));
    });
  }

  connect(
    program
      .command('freeze')
      .description('Freeze production of a pipeline: runs that reach it wait until it is unfrozen.')
      .argument('<pipeline>', 'the pipeline to freeze')
      .option('-r, --reason <text>', 'why (required; shown on every run that waits)'),
  ).action(async (pipeline: string, options: Options) => {
    if (!options.reason?.trim()) {
      console.error('pushline freeze: --reason is required');
      setExitCode(2);
      return;
    }
    await call('freeze', options, async (target) => {
      const answer = await postJson(target, `/api/pipelines/${encodeURIComponent(pipeline)}/freeze`, {
        by: options.as ?? cliUser(),
        reason: options.reason,
      });
      console.log(formatPipeline(answer.pipeline as PipelineView));
    });
  });

  connect(
    program
      .command('unfreeze')
      .description('Lift the freeze of a pipeline: the runs it held go on to production.')
      .argument('<pipeline>', 'the pipeline to unfreeze'),
  ).action(async (pipeline: string, options: Options) => {
    await call('unfreeze', options, async (target) => {
      const answer = await postJson(target, `/api/pipelines/${encodeURIComponent(pipeline)}/unfreeze`, {
        by: options.as ?? cliUser(),
      });
      const view = answer.pipeline as PipelineView & { released?: string[] };
      console.log(formatPipeline(view));
      if (view.released?.length)
        console.log(`released ${view.released.length} waiting run(s): ${view.released.join(', ')}`);
    });
  });

  connect(
    program.command('pipelines').description('List the pipelines with their freeze and deploy windows.'),
  ).action(async (options: Options) => {
    await call('pipelines', options, async (target) => {
      const { pipelines } = (await getJson(target, '/api/pipelines')) as { pipelines: PipelineView[] };
      for (const pipeline of pipelines) console.log(formatPipeline(pipeline));
    });
  });
}
