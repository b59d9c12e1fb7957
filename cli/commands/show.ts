import { resolve } from 'node:path';
import type { Command } from 'commander';
import { remoteOf } from '../local/api-client.ts';
import { formatRunDetail } from '../local/format-runs.ts';
import { openRunReader, runFacts } from '../local/run-reader.ts';
import type { SetExitCode } from './index.ts';

export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('show')
    .description('Show one run: its stages and durations, tests, canary verdict, event log and notes.')
    .argument(
      '<run-id>',
      'the run: its short id as `pushline runs` lists it (the last 8 characters), any unique tail, or the whole id',
    )
    .option('-d, --data <dir>', 'the data folder', '.pushline')
    .option('--server <url>', 'read from this Pushline API (default: PUSHLINE_SERVER, else the data folder)')
    .option('--json', 'print the API response as JSON')
    .addHelpText(
      'after',
      '\nThe event log lists ignored events too, each with the reason it did not fit the run.\n' +
        'An id that several runs end with is refused with the candidates (exit code 1).',
    )
    .action(async (runId: string, options: { data: string; server?: string; json?: boolean }) => {
      const dataDir = resolve(options.data);
      const remote = remoteOf(options.server);
      const reader = await openRunReader(dataDir, remote);
      if (!reader) {
        console.error(`pushline show: no run ${runId} (no database in ${dataDir})`);
        setExitCode(1);
        return;
      }
      try {
        const run = await reader.get(runId);
        if (!run) {
          console.error(`pushline show: no run ${runId} (looked in ${reader.from})`);
          setExitCode(1);
          return;
        }
        console.log(
          options.json
            ? JSON.stringify(run, null, 2)
            : // The build log and the URLs are facts of this machine's data folder, not of a remote API.
              formatRunDetail(run, remote ? {} : await runFacts(reader, run, dataDir)),
        );
      } catch (error) {
        console.error(`pushline show: ${error instanceof Error ? error.message : String(error)}`);
        setExitCode(1);
      } finally {
        reader.close();
      }
    });
}
