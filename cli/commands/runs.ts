import { resolve } from 'node:path';
import type { Command } from 'commander';
import { RunOutcomeSchema } from '../../events/common.ts';
import type { RunStatus } from '../../shared/domain/run.ts';
import type { RunQuery } from '../../shared/ports/run-store.ts';
import { remoteOf } from '../local/api-client.ts';
import { formatRunTable } from '../local/format-runs.ts';
import { openRunReader } from '../local/run-reader.ts';
import type { SetExitCode } from './index.ts';

const STATUSES = ['running', ...RunOutcomeSchema.options];

export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('runs')
    .description('List runs, newest first (from the running server, or the database when none runs).')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--status <status>', `only runs in these states, comma-separated (${STATUSES.join(', ')})`)
    .option('-n, --limit <count>', 'how many runs to show (1-200)', '20')
    .option('-d, --data <dir>', 'the data folder', '.pushline')
    .option('--server <url>', 'read from this Pushline API (default: PUSHLINE_SERVER, else the data folder)')
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', '\nStages: ✓ succeeded  ✗ failed  ▶ running  · pending  - skipped  ⧖ timed out')
    .action(
      async (options: {
        pipeline?: string;
        status?: string;
        limit: string;
        data: string;
        server?: string;
        json?: boolean;
      }) => {
        const limit = Number(options.limit);
        if (!/^\d+$/.test(options.limit) || limit < 1 || limit > 200) {
          console.error(
            `pushline runs: --limit must be a whole number from 1 to 200, not "${options.limit}"`,
          );
          setExitCode(2);
          return;
        }
        const statuses = options.status?.split(',').filter(Boolean) ?? [];
        const unknown = statuses.filter((s) => !STATUSES.includes(s));
        if (unknown.length > 0) {
          console.error(`pushline runs: unknown status ${unknown.join(', ')} (use ${STATUSES.join(', ')})`);
          setExitCode(2);
          return;
        }
        const dataDir = resolve(options.data);
        const reader = await openRunReader(dataDir, remoteOf(options.server));
        if (!reader) {
          console.log(`No runs yet (no database in ${dataDir}; start one with \`pushline up\`).`);
          return;
        }
        try {
          const query: RunQuery = { limit };
          if (options.pipeline) query.pipeline = options.pipeline;
          if (statuses.length > 0) query.status = statuses as RunStatus[];
          const page = await reader.list(query);
          console.log(options.json ? JSON.stringify(page, null, 2) : formatRunTable(page.runs, new Date()));
        } catch (error) {
          console.error(`pushline runs: ${error instanceof Error ? error.message : String(error)}`);
          setExitCode(1);
        } finally {
          reader.close();
        }
      },
    );
}
