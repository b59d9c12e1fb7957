import type { Command } from 'commander';

/** Sets the process exit code of the running command. */
export type SetExitCode = (code: number) => void;

type Register = (program: Command, setExitCode: SetExitCode) => void;

/**
 * Every command of the `pushline` CLI, one file each, by the top-level names it registers. To add
 * a command, write `cli/commands/<name>.ts` exporting `register(program, setExitCode)` and add it
 * here. A command's module is imported only when it runs (or for the full `--help`): the
 * post-receive hook runs `pushline hook post-receive` on every push, and must not load the
 * demo's whole local app, the AWS SDK or SQLite to do it.
 */
const COMMANDS: { names: readonly string[]; load: () => Promise<{ register: Register }> }[] = [
  { names: ['hook'], load: () => import('./hook.ts') },
  { names: ['validate'], load: () => import('./validate.ts') },
  { names: ['up'], load: () => import('./up.ts') },
  { names: ['down'], load: () => import('./down.ts') },
  { names: ['runs'], load: () => import('./runs.ts') },
  { names: ['show'], load: () => import('./show.ts') },
  { names: ['approve', 'reject', 'retry', 'cancel', 'redeploy'], load: () => import('./operate.ts') },
  { names: ['run'], load: () => import('./run.ts') },
  { names: ['undo'], load: () => import('./undo.ts') },
  { names: ['freeze', 'unfreeze', 'pipelines'], load: () => import('./freeze.ts') },
  { names: ['demo'], load: () => import('./demo.ts') },
  { names: ['dlq'], load: () => import('./dlq.ts') },
  { names: ['republish'], load: () => import('./republish.ts') },
  { names: ['aws'], load: () => import('./aws.ts') },
];

/** Every top-level command name, in the order `--help` lists them. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.flatMap((c) => c.names);

/**
 * Registers the command `argv` names (its first word after the program), or every command when it
 * names none of them (`--help`, a typo: commander then lists them all or suggests one).
 */
export async function registerCommands(
  program: Command,
  setExitCode: SetExitCode,
  argv: readonly string[],
): Promise<void> {
  const word = argv[2];
  const named = COMMANDS.find((c) => word !== undefined && c.names.includes(word));
  for (const command of named ? [named] : COMMANDS) (await command.load()).register(program, setExitCode);
}
