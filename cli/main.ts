import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';

/**
 * The `pushline` command line. Each command lives in `cli/commands/<name>.ts` and registers itself
 * in `cli/commands/index.ts`. A command's action returns its exit code; user mistakes print a
 * clear message and never a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('pushline')
    .description('Event-driven continuous delivery: git push to production.')
    .showHelpAfterError()
    .exitOverride();
  let exitCode = 0;
  registerCommands(program, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
