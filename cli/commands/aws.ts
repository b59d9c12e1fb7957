import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CHECK_PROVES, type CheckName } from '../../shared/aws/self-check/descriptions.ts';
import type { CheckResult } from '../../shared/aws/self-check/index.ts';
import { explain } from './dlq.ts';
import type { SetExitCode } from './index.ts';

interface CheckOptions {
  stage: string;
  stack?: string;
  region?: string;
  config: string;
  only?: string[];
  json?: boolean;
}

const NAMES = Object.keys(CHECK_PROVES) as CheckName[];

/**
 * `pushline aws check` (AWS mode): after every deploy, proves on the real account what no emulator
 * can — read-only where it can, removing what it creates (shared/aws/self-check/).
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  const aws = program.command('aws').description('AWS mode: commands about the deployed stack.');
  aws
    .command('check')
    .description(
      'Prove the deployed stack works on the real account: one line per check, exit 1 on a failure.',
    )
    .option('--stage <stage>', 'the deployed stage', 'dev')
    .option('--stack <name>', 'the CloudFormation stack (default: pushline-<stage>)')
    .option('--region <region>', 'the AWS region (default: the SDK configuration, e.g. AWS_REGION)')
    .option('--config <file>', 'the pipeline file the stack was packaged from', 'pushline.yml')
    .option('--only <check...>', `run only these checks (${NAMES.join(', ')})`)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `\nChecks, in order:\n${NAMES.map((name) => `  ${name.padEnd(12)} ${CHECK_PROVES[name]}`).join('\n')}\n\n` +
        'Run it as the last step of every deploy (docs/aws.md). It needs read access to the stack, and creates\n' +
        'then removes a temporary rule, queue and table item (names starting with pushline-check-).',
    )
    .action(async (options: CheckOptions) => {
      const unknown = (options.only ?? []).filter((name) => !NAMES.includes(name as CheckName));
      if (unknown.length > 0) {
        console.error(
          `pushline aws check: no check named ${unknown.join(', ')} (the checks: ${NAMES.join(', ')})`,
        );
        return setExitCode(2);
      }
      let text: string;
      try {
        text = await readFile(options.config, 'utf8');
      } catch {
        console.error(
          `pushline aws check: cannot read the pipeline file ${options.config} (--config names another)`,
        );
        return setExitCode(2);
      }
      try {
        const results = await check(options, text);
        if (options.json) console.log(JSON.stringify(results, null, 2));
        else for (const line of formatResults(results)) console.log(line);
        if (results.some((r) => !r.ok)) setExitCode(1);
      } catch (error) {
        console.error(`pushline aws check: ${explain(error)}`);
        setExitCode(1);
      }
    });
}

async function check(options: CheckOptions, pipelineFileText: string): Promise<CheckResult[]> {
  // One at a time: Jest's ESM loader (the CLI tests) can trip on parallel imports sharing a module.
  const { loadPipelineFile } = await import('../../shared/domain/pipeline-file.ts');
  const checks = await import('../../shared/aws/self-check/index.ts');
  const clients = await import('../../shared/aws/self-check/clients.ts');
  const { ulid } = await import('ulidx');
  const file = loadPipelineFile(pipelineFileText, options.config);
  const selected = checks.selfChecks(file).filter((c) => !options.only || options.only.includes(c.name));
  const made = clients.checkClients(options.region);
  let stack: ReturnType<typeof checks.readDeployedStack> | undefined;
  return checks.runChecks(selected, {
    clients: made,
    stage: options.stage,
    stack: () => {
      stack ??= checks.readDeployedStack(made.cloudformation, options.stack ?? `pushline-${options.stage}`);
      return stack;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    probeId: `check-${ulid().toLowerCase()}`,
  });
}

/** One line per check: ✓ or ✗, its name, what was found; under a failure, what to do. */
export function formatResults(results: readonly CheckResult[]): string[] {
  const lines = results.flatMap((r) => [
    `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(12)} ${r.detail}`,
    ...(r.ok || !r.fix ? [] : [`      ${''.padEnd(12)} fix: ${r.fix}`]),
  ]);
  const failures = results.filter((r) => !r.ok).length;
  lines.push(
    failures === 0 ? `all ${results.length} checks passed` : `${failures} of ${results.length} checks failed`,
  );
  return lines;
}
