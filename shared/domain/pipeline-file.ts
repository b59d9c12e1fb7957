import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { problemsOf } from './config-problems.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { PushlineFile } from './pipeline-config.ts';

export type PipelineFileResult = { ok: true; file: PushlineFile } | { ok: false; problems: ConfigProblem[] };

/**
 * Reads the text of `pushline.yml`. Pure: the caller reads the file. Either the parsed file with
 * every default applied, or EVERY problem at once — YAML syntax, unknown keys, wrong types, bad
 * globs, cross-key rules — each with its path (`pipelines[0].production.canary.interval`) and the
 * 1-based YAML line it points at, sorted by line. YAML anchors, aliases and `<<` merges work.
 */
export function parsePipelineFile(text: string): PipelineFileResult {
  // A hostile or runaway file is refused before it costs seconds to parse and check.
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FILE_BYTES) {
    return {
      ok: false,
      problems: [
        {
          path: '(file)',
          message: `the file is ${bytes} bytes; a pipeline file may be at most ${MAX_FILE_BYTES}`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Past a syntax error the tree is a guess, so its schema problems would mislead: stop here.
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        path: '(syntax)',
        message: error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, ''),
        ...(error.linePos ? { line: error.linePos[0].line } : {}),
      })),
    };
  }
  const tooLong = longLists(doc, lineCounter);
  if (tooLong.length > 0) return { ok: false, problems: tooLong };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [{ path: '(root)', message: (error as Error).message }] };
  }
  if (data === null || data === undefined) {
    return {
      ok: false,
      problems: [{ path: '(root)', message: 'the file is empty: declare `pipelines:`', line: 1 }],
    };
  }
  const result = PushlineFile.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, file: result.data };
  const problems = result.error.issues
    .flatMap((issue) => problemsOf(issue, PushlineFile))
    .map(({ segments, ...problem }) => {
      const line = lineOf(doc.contents, segments, doc, lineCounter);
      return line === undefined ? problem : { ...problem, line };
    });
  return { ok: false, problems: sortByLine(problems) };
}

/** A pipeline file is a few kilobytes; this bounds the time a bad one can take to refuse. */
export const MAX_FILE_BYTES = 256 * 1024;
/** No list of the file (pipelines, globs, metrics, windows) needs more items. */
export const MAX_LIST_ITEMS = 1000;

/** Every list longer than `MAX_LIST_ITEMS`, with its line (before any of it is checked). */
function longLists(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Seq(_key, node) {
      if (node.items.length <= MAX_LIST_ITEMS) return undefined;
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      problems.push({
        path: '(list)',
        message: `a list of ${node.items.length} items; lists may have at most ${MAX_LIST_ITEMS}`,
        ...(line ? { line } : {}),
      });
      return visit.SKIP;
    },
  });
  return problems;
}

/** Like `parsePipelineFile`, for start-up and packaging: the file, or a `ConfigError` listing every problem. */
export function loadPipelineFile(text: string, fileName = 'pushline.yml'): PushlineFile {
  const result = parsePipelineFile(text);
  if (result.ok) return result.file;
  throw new ConfigError(
    `${fileName} is not valid:\n${formatProblems(result.problems, fileName)}`,
    result.problems,
  );
}

/** `pushline.yml:12  pipelines[0].on.branches[1]: "rel/[x" is not a valid glob…`, one line per problem. */
export function formatProblems(problems: readonly ConfigProblem[], fileName: string): string {
  return problems
    .map((p) => `${fileName}${p.line === undefined ? '' : `:${p.line}`}  ${p.path}: ${p.message}`)
    .join('\n');
}

function sortByLine(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
    .map(({ problem }) => problem);
}

type Doc = ReturnType<typeof parseDocument>;

/**
 * The line a path points at: the line of its key when the path ends in a mapping key, else of the
 * value; when the path goes past the document (a missing key), the line of the deepest node found.
 */
function lineOf(
  root: unknown,
  path: readonly (string | number)[],
  doc: Doc,
  lineCounter: LineCounter,
): number | undefined {
  const lineAt = (node: unknown) => {
    const range = (node as Node | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  let node = root;
  let line = lineAt(node);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment),
      );
      if (!pair) break;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      line = lineAt(node) ?? line;
    } else break;
  }
  return line;
}
