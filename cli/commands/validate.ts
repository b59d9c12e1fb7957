import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { formatDuration } from '../../shared/domain/duration.ts';
import type { ConfigProblem } from '../../shared/domain/errors.ts';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { formatProblems, parsePipelineFile } from '../../shared/domain/pipeline-file.ts';
import { ownPortProblems } from '../../shared/domain/pipeline-rules.ts';
import type { SetExitCode } from './index.ts';

/**
 * `pushline validate [file]`: checks a pipeline file the way start-up and packaging do, so a
 * mistake shows at the desk rather than at 3 a.m. Exit 0 with a line per pipeline when the file is
 * valid; 1 with every problem as `file:line  path: message`; 2 when the file cannot be read.
 * Local targets may not listen on Pushline's own port, which the file does not know: `--port`
 * names it (8787 by default, as `pushline up`; 0 checks nothing).
 */
export function register(program: Command, setExitCode: SetExitCode): void {
  program
    .command('validate')
    .description('Check a pipeline file and list every problem in it.')
    .argument('[file]', 'the pipeline file', 'pushline.yml')
    .option(
      '-p, --port <port>',
      'the port `pushline up` will listen on (local targets must use others)',
      '8787',
    )
    .action(async (file: string, options: { port: string }) => {
      const ownPort = Number(options.port);
      if (!/^\d+$/.test(options.port) || ownPort > 65535) {
        console.error(`pushline validate: --port must be a number from 0 to 65535, not "${options.port}"`);
        setExitCode(2);
        return;
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        console.error(`pushline validate: ${cannotRead(file, error)}`);
        setExitCode(2);
        return;
      }
      const result = parsePipelineFile(text);
      const problems = [...(result.ok ? [] : result.problems), ...ownPortClashes(text, ownPort)];
      if (problems.length > 0 || !result.ok) {
        const count = problems.length;
        console.log(formatProblems(problems, file));
        console.log(`\n${file}: ${count} ${count === 1 ? 'problem' : 'problems'}`);
        setExitCode(1);
        return;
      }
      const { pipelines } = result.file;
      console.log(`${file}: valid, ${pipelines.length} ${pipelines.length === 1 ? 'pipeline' : 'pipelines'}`);
      for (const pipeline of pipelines) console.log(`  ${summarise(pipeline)}`);
    });
}

/** The local targets on Pushline's own port, read from the YAML whether or not the rest is valid. */
function ownPortClashes(text: string, ownPort: number): ConfigProblem[] {
  let data: unknown;
  try {
    data = parseYaml(text, { merge: true });
  } catch {
    return []; // the YAML error is reported by parsePipelineFile
  }
  const pipelines = (data as { pipelines?: unknown } | null)?.pipelines;
  return Array.isArray(pipelines) ? ownPortProblems(pipelines, ownPort) : [];
}

function cannotRead(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return `${file} does not exist (run it next to your pushline.yml, or name the file: pushline validate path/to/pushline.yml)`;
  }
  if (code === 'EISDIR') return `${file} is a directory, not a pipeline file`;
  if (code === 'EACCES') return `${file} cannot be read: permission denied`;
  return `${file} cannot be read: ${(error as Error).message}`;
}

const list = (globs: readonly string[]) => `[${globs.join(', ')}]`;

/** `web: github acme/web | on branches [main] … | build (CodeBuild x) → staging (…) → … | canary …` */
export function summarise(pipeline: PipelineConfig): string {
  const { source, on, build, staging, production } = pipeline;
  const repo = source.github
    ? `github ${source.github}`
    : source.gitlab
      ? `gitlab ${source.gitlab}`
      : `codecommit ${source.codecommit}`;
  const filters = (['branches', 'branchesIgnore', 'tags', 'tagsIgnore', 'paths', 'pathsIgnore'] as const)
    .filter((key) => on[key] !== undefined)
    .map((key) => `${key} ${list(on[key]!)}`);
  const triggers = filters.length ? filters.join(', ') : 'every branch and tag';
  const buildWith = build.codebuild ? `CodeBuild ${build.codebuild.project}` : `local ${build.buildspec}`;
  const { approval } = production;
  const gate = approval.required
    ? [
        `approval (${approval.approvers.length ? approval.approvers.join(', ') : 'anyone'}, ${formatDuration(approval.timeout)})`,
      ]
    : [];
  const stages = [
    `build (${buildWith})`,
    `staging (${targets(staging)})`,
    ...gate,
    'canary',
    `production (${targets(production)})`,
  ].join(' → ');
  const { canary } = production;
  const judged = canary.metrics.map((m) => m.name).join(', ') || 'no metrics';
  const extras = [
    canary.baseline.compare ? 'vs baseline' : '',
    canary.alarms.length ? `${canary.alarms.length} alarm${canary.alarms.length === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const canaryText =
    `${canary.traffic}% for ${formatDuration(canary.bake)}, every ${formatDuration(canary.interval)}` +
    ` on ${judged}${extras.length ? ` (${extras.join(', ')})` : ''}`;
  return `${pipeline.name}: ${repo} | on ${triggers} | ${stages} | canary ${canaryText}`;
}

function targets(stage: { codedeploy?: { platform: string }; local?: { port: number } }): string {
  const found = [
    stage.codedeploy ? `CodeDeploy ${stage.codedeploy.platform}` : '',
    stage.local ? `local :${stage.local.port}` : '',
  ].filter(Boolean);
  return found.length ? found.join(', ') : 'no target';
}
