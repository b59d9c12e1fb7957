import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';

/** The version of the installed package, read beside the sources whatever the working folder. */
function packageVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The `pushline` command line. Each command lives in `cli/commands/<name>.ts` and is listed in
 * `cli/commands/index.ts`, which loads only the one that runs. A command's action returns its exit code; user mistakes print a
 * clear message and never a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('pushline')
    .description('Event-driven continuous delivery: git push to production.')
    .version(packageVersion(), '-V, --version', 'print the version of pushline')
    .showHelpAfterError()
    .exitOverride();
  let exitCode = 0;
  await registerCommands(
    program,
    (code) => {
      exitCode = code;
    },
    argv,
  );
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
