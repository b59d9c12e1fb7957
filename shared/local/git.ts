import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs git with arguments (no shell) and returns its stdout; the error carries git's stderr. */
export async function git(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/** Like `git`, but answers whether it exited 0 (for questions such as `merge-base --is-ancestor`). */
export async function gitSucceeds(cwd: string, args: string[]): Promise<boolean> {
  try {
    await run('git', args, { cwd });
    return true;
  } catch {
    return false;
  }
}
