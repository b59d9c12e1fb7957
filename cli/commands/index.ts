import type { Command } from 'commander';
import { register as aws } from './aws.ts';
import { register as demo } from './demo.ts';
import { register as dlq } from './dlq.ts';
import { register as down } from './down.ts';
import { register as freeze } from './freeze.ts';
import { register as hook } from './hook.ts';
import { register as operate } from './operate.ts';
import { register as republish } from './republish.ts';
import { register as run } from './run.ts';
import { register as runs } from './runs.ts';
import { register as show } from './show.ts';
import { register as undo } from './undo.ts';
import { register as up } from './up.ts';
import { register as validate } from './validate.ts';

/** Sets the process exit code of the running command. */
export type SetExitCode = (code: number) => void;

/**
 * Every command of the `pushline` CLI, one file each. To add a command, write
 * `cli/commands/<name>.ts` exporting `register(program, setExitCode)` and add it here.
 */
const COMMANDS: ((program: Command, setExitCode: SetExitCode) => void)[] = [
  hook,
  validate,
  up,
  down,
  runs,
  show,
  operate,
  run,
  undo,
  freeze,
  demo,
  dlq,
  republish,
  aws,
];

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  for (const register of COMMANDS) register(program, setExitCode);
}
