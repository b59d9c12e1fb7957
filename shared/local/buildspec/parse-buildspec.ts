import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError, type ConfigProblem } from '../../domain/errors.ts';
import { BuildspecDocument, PHASE_NAMES, type PhaseName } from './buildspec-schema.ts';
import { unsupportedKeyWarnings } from './unsupported-keys.ts';

export interface PhaseSpec {
  commands: string[];
  finally: string[];
  onFailure?: 'ABORT' | 'CONTINUE';
}

export interface ReportSpec {
  /** The report group's name (or ARN), the key under `reports:`. */
  name: string;
  files: string[];
  baseDirectory?: string;
  fileFormat: string;
}

export interface ArtifactsSpec {
  files: string[];
  name?: string;
  baseDirectory?: string;
  discardPaths: boolean;
  excludePaths: string[];
}

/** A buildspec as the runner uses it, plus what it ignores. */
export interface Buildspec {
  shell: 'bash' | 'sh';
  variables: Record<string, string>;
  exportedVariables: string[];
  phases: Partial<Record<PhaseName, PhaseSpec>>;
  reports: ReportSpec[];
  artifacts?: ArtifactsSpec;
  /** Keys accepted but not acted on, for the build log. */
  warnings: string[];
}

/**
 * A buildspec that CodeBuild would refuse. `reason` reads like CodeBuild's phase context
 * (`YAML_FILE_ERROR: phases.build.commands[1]: expected a command ... at line 7`).
 */
export class BuildspecError extends ConfigError {
  readonly reason: string;
  constructor(problems: readonly ConfigProblem[]) {
    const text = problems
      .map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}${p.line ? ` at line ${p.line}` : ''}`)
      .join('; ');
    super(`YAML_FILE_ERROR: ${text}`, problems);
    this.name = 'BuildspecError';
    this.reason = `YAML_FILE_ERROR: ${text}`;
  }
}

/**
 * Reads the text of a `buildspec.yml`. Throws `BuildspecError` listing every problem with its
 * YAML line; returns the buildspec with warnings for the keys it ignores.
 */
export function parseBuildspec(text: string): Buildspec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Later syntax errors mostly follow from the first one: report that one, with its line.
    const first = doc.errors[0]!;
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new BuildspecError([{ path: '', message: first.message.split('\n')[0] ?? first.message, line }]);
  }
  let tree: unknown;
  try {
    // toJS resolves aliases: an unknown one, or too many (a "billion laughs"), throws here.
    tree = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new BuildspecError([{ path: '', message: (error as Error).message }]);
  }
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw new BuildspecError([{ path: '', message: 'the buildspec must be a YAML mapping', line: 1 }]);
  }
  const result = BuildspecDocument.safeParse(tree);
  if (!result.success) throw new BuildspecError(problemsOf(result.error, doc, lineCounter));
  const spec = result.data;
  const warnings = unsupportedKeyWarnings(tree);

  const phases: Partial<Record<PhaseName, PhaseSpec>> = {};
  for (const name of PHASE_NAMES) {
    const phase = spec.phases[name];
    if (!phase) continue;
    phases[name] = {
      commands: phase.commands ?? [],
      finally: phase.finally ?? [],
      onFailure: phase['on-failure'],
    };
  }
  const reports: ReportSpec[] = Object.entries(spec.reports ?? {}).map(([name, report]) => ({
    name,
    files: report.files,
    baseDirectory: report['base-directory'],
    fileFormat: report['file-format'],
  }));
  for (const report of reports) {
    if (report.fileFormat !== 'JUNITXML') {
      warnings.push(
        `reports.${report.name}: file-format ${report.fileFormat} is not supported locally; ignored`,
      );
    }
  }
  const artifacts = spec.artifacts && {
    files: spec.artifacts.files,
    name: spec.artifacts.name,
    baseDirectory: spec.artifacts['base-directory'],
    discardPaths: spec.artifacts['discard-paths'] ?? false,
    excludePaths: spec.artifacts['exclude-paths'] ?? [],
  };
  return {
    shell: spec.env?.shell?.endsWith('bash') || spec.env?.shell === undefined ? 'bash' : 'sh',
    variables: spec.env?.variables ?? {},
    exportedVariables: spec.env?.['exported-variables'] ?? [],
    phases,
    reports: reports.filter((r) => r.fileFormat === 'JUNITXML'),
    artifacts,
    warnings,
  };
}

/** Zod issues → problems with a dotted path (`phases.build.commands[1]`) and the YAML line. */
function problemsOf(error: z.ZodError, doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    return { path: formatPath(path), message: issue.message, line: lineOf(doc, lineCounter, path) };
  });
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The line of the deepest node that exists on the path (a missing key points at its parent). */
function lineOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
