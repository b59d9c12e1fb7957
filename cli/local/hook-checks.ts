import { readFile } from 'node:fs/promises';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { formatProblems, parsePipelineFile } from '../../shared/domain/pipeline-file.ts';
import { shortRunId } from '../../shared/domain/run-id.ts';

/**
 * What `pushline hook install` checks before it writes a hook, and how the hook reports a push:
 * every message names the file, folder or URL it looked at, so a wrong `--data` or `--config`
 * shows at once rather than at the first push.
 */

/** The pipelines a GitHub-format push of `repo` reaches (GitHub names ignore case), or a refusal naming the file. */
export async function pipelinesForRepo(
  configFile: string,
  repo: string,
): Promise<{ ok: true; pipelines: PipelineConfig[] } | { ok: false; message: string }> {
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `cannot read the pipeline file ${configFile} (${code === 'ENOENT' ? 'no such file' : String(error)}); name it with --config`,
    };
  }
  const result = parsePipelineFile(text);
  if (!result.ok) {
    return {
      ok: false,
      message: `the pipeline file ${configFile} is not valid:\n${formatProblems(result.problems, configFile)}`,
    };
  }
  const all = result.file.pipelines;
  const pipelines = all.filter((p) => p.source.github?.toLowerCase() === repo.toLowerCase());
  if (pipelines.length > 0) return { ok: true, pipelines };
  const sources = all.map((p) => `${p.name}: ${sourceOf(p)}`).join(', ');
  return {
    ok: false,
    message: `--repo ${repo} matches no pipeline of ${configFile} (the hook posts GitHub pushes; its pipelines' sources are ${sources}); give --repo the source.github of one of them`,
  };
}

function sourceOf(pipeline: PipelineConfig): string {
  const { github, gitlab, codecommit } = pipeline.source;
  return github ? `github ${github}` : gitlab ? `gitlab ${gitlab}` : `codecommit ${codecommit}`;
}

/** Whether a Pushline server answers `GET /healthz` at `url`. */
export async function serverAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The server's answer to one pushed ref, in lines for the person who pushed. */
export function describePushAnswer(ref: string, status: number, body: unknown): string[] {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as {
    runs?: { runId: string; pipeline: string }[];
    skipped?: { pipeline: string; reason: string }[];
    ignored?: string;
    error?: string;
  };
  const lines: string[] = [];
  for (const run of answer.runs ?? []) {
    lines.push(`pushline: ${ref} → run ${shortRunId(run.runId)} (${run.pipeline})`);
  }
  if (answer.ignored) lines.push(`pushline: ${ref} → no run: ${answer.ignored}`);
  if (answer.error) lines.push(`pushline: ${ref} → ${status}: ${answer.error}`);
  if (lines.length === 0)
    lines.push(`pushline: ${ref} → ${status} ${typeof body === 'string' ? body : ''}`.trimEnd());
  for (const skip of answer.skipped ?? []) {
    lines.push(`pushline:   pipeline ${skip.pipeline} skipped: ${skip.reason}`);
  }
  return lines;
}
