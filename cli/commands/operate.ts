import type { Command } from 'commander';
import { shortRunId } from '../../shared/domain/run-id.ts';
import type { RunSummary } from '../../shared/local/api-routes.ts';
import { cliUser, postJson, withApi } from '../local/api-client.ts';
import type { SetExitCode } from './index.ts';

interface ActionOptions {
  data: string;
  server?: string;
  as?: string;
  comment?: string;
  reason?: string;
  skipCanary?: boolean;
}

/** One action on a run: its command, the API path, what the body carries, what it prints after. */
interface Action {
  name: 'approve' | 'reject' | 'retry' | 'cancel' | 'redeploy';
  description: string;
  text?: { flag: string; description: string; required: boolean; field: 'comment' | 'reason' };
  /** A yes/no option of this action alone, sent as `field: true` when given. */
  switch?: { flag: string; description: string; field: 'skipCanary' };
  done: (run: RunSummary, answer: Record<string, unknown>) => string;
}

const ACTIONS: Action[] = [
  {
    name: 'approve',
    description: 'Approve a run waiting at its approval gate: it goes on to the canary and production.',
    text: {
      flag: '-m, --comment <text>',
      description: 'what you checked (kept in the run log)',
      required: false,
      field: 'comment',
    },
    done: (run) => `approved run ${shortRunId(run.id)} (${run.pipeline}); the canary starts next`,
  },
  {
    name: 'reject',
    description: 'Reject a run waiting at its approval gate: it ends failed, with your reason.',
    text: {
      flag: '-r, --reason <text>',
      description: 'why (required; kept in the run log)',
      required: true,
      field: 'reason',
    },
    done: (run) => `rejected run ${shortRunId(run.id)} (${run.pipeline}): ${run.reason ?? ''}`.trimEnd(),
  },
  {
    name: 'retry',
    description:
      'Retry a failed or timed-out run: a new attempt from the stage that failed (a build that passed is not run again).',
    text: {
      flag: '-r, --reason <text>',
      description: 'why (kept in the run log)',
      required: false,
      field: 'reason',
    },
    done: (run) => {
      const from = run.stages.find((s) => s.status === 'pending' || s.status === 'running')?.name;
      return `retried run ${shortRunId(run.id)} (${run.pipeline}): attempt ${run.attempt}${from ? `, from ${from}` : ''}`;
    },
  },
  {
    name: 'cancel',
    description:
      'Cancel a running run: stops its build, or rolls back its deployment (production goes back to the stable release).',
    text: {
      flag: '-r, --reason <text>',
      description: 'why (kept in the run log)',
      required: false,
      field: 'reason',
    },
    done: (run, answer) => {
      const stopped = (answer.stopped as string[] | undefined) ?? [];
      const failed = (answer.notStopped as { id: string; error: string }[] | undefined) ?? [];
      return [
        `cancelled run ${shortRunId(run.id)} (${run.pipeline})${stopped.length ? `; stopped ${stopped.join(', ')}` : ''}`,
        ...failed.map((f) => `  could not stop ${f.id}: ${f.error}`),
      ].join('\n');
    },
  },
  {
    name: 'redeploy',
    description:
      "Deploy an earlier run's release again, as a new run: through staging, the gate and the canary to production, without building again.",
    text: {
      flag: '-r, --reason <text>',
      description: 'why (kept in the run log)',
      required: false,
      field: 'reason',
    },
    switch: {
      flag: '--skip-canary',
      description:
        'an emergency: production takes the release all at once, without a canary (the log says so)',
      field: 'skipCanary',
    },
    done: (run, answer) =>
      `redeploying the release of run ${shortRunId(String(answer.redeployOf))} as run ${shortRunId(run.id)} (${run.pipeline}); follow it with \`pushline show ${shortRunId(run.id)}\``,
  },
];

/**
 * `pushline approve|reject|retry|cancel|redeploy <run>`: operate a run by hand through the API — the local server
 * of `--data`, or any server (`--server`, `PUSHLINE_SERVER`, with `PUSHLINE_TOKEN`), the AWS
 * stack's included. A refusal says why: a run in another state (409) shows its stages.
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  for (const action of ACTIONS) {
    const command = program.command(action.name);
    if (action.text) command.option(action.text.flag, action.text.description);
    if (action.switch) command.option(action.switch.flag, action.switch.description);
    command
      .description(action.description)
      .argument(
        '<run-id>',
        'the run: its short id as `pushline runs` lists it, a unique start or tail, or the whole id',
      )
      .option('--as <name>', 'who acts (default: your user name; a token may name you instead)')
      .option('-d, --data <dir>', 'the data folder of the local server', '.pushline')
      .option(
        '--server <url>',
        'the Pushline API to talk to (default: PUSHLINE_SERVER, else the local server)',
      )
      .action(async (runId: string, options: ActionOptions) => {
        const say = (line: string) => console.error(`pushline ${action.name}: ${line}`);
        const text = action.text ? options[action.text.field] : undefined;
        if (action.text?.required && !text?.trim()) {
          say(`${action.text.flag.split(',')[1]?.trim().split(' ')[0] ?? action.text.field} is required`);
          setExitCode(2);
          return;
        }
        await withApi(
          action.name,
          options,
          setExitCode,
          async (target) => {
            const answer = await postJson(target, `/api/runs/${encodeURIComponent(runId)}/${action.name}`, {
              by: options.as ?? cliUser(),
              ...(text && action.text ? { [action.text.field]: text } : {}),
              ...(action.switch && options[action.switch.field] ? { [action.switch.field]: true } : {}),
            });
            console.log(action.done(answer.run as RunSummary, answer));
          },
          (error, say) => {
            const state = error.body.run as { status?: string; stages?: Record<string, string> } | undefined;
            if (state?.stages) {
              const stages = Object.entries(state.stages).map(([stage, status]) => `${stage} ${status}`);
              say(`the run is ${state.status}: ${stages.join(', ')}`);
            }
            const candidates = error.body.candidates as string[] | undefined;
            if (candidates?.length) say(`it could be: ${candidates.join(', ')}`);
          },
        );
      });
  }
}
