import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isPushlineProcess, readServerInfo, removeServerInfo, runningServer } from '../local/server-info.ts';
import type { SetExitCode } from './index.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isPushlineProcess(pid)) return true;
    await sleep(100);
  }
  return !isPushlineProcess(pid);
}

export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('down')
    .description('Stop the Pushline server named in <data>/server.json.')
    .option('-d, --data <dir>', 'the data folder of the server', '.pushline')
    .option('--timeout <seconds>', 'how long to wait after SIGTERM before SIGKILL', '15')
    .addHelpText(
      'after',
      '\nSends SIGTERM (the server stops serving, publishes what it committed and closes its database),\nwaits, then SIGKILL if it is still there.',
    )
    .action(async (options: { data: string; timeout: string }) => {
      const dataDir = resolve(options.data);
      const timeout = Number(options.timeout);
      if (!Number.isFinite(timeout) || timeout < 0) {
        console.error(`pushline down: --timeout must be a number of seconds, not "${options.timeout}"`);
        setExitCode(2);
        return;
      }
      const stale = readServerInfo(dataDir);
      const server = runningServer(dataDir);
      if (!server) {
        console.log(
          stale
            ? `No Pushline server runs for ${dataDir} (pid ${stale.pid} is gone; removed its server.json).`
            : `No Pushline server runs for ${dataDir}.`,
        );
        return;
      }
      process.kill(server.pid, 'SIGTERM');
      if (await waitForExit(server.pid, timeout * 1000)) {
        console.log(`Stopped Pushline (pid ${server.pid}, ${server.url}).`);
      } else {
        process.kill(server.pid, 'SIGKILL');
        await waitForExit(server.pid, 5000);
        console.log(`Killed Pushline (pid ${server.pid}): it did not stop within ${timeout}s.`);
      }
      removeServerInfo(dataDir, server.pid);
    });
}
