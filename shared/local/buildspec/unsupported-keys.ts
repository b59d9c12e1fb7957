/** Keys CodeBuild understands that the local builder accepts but does not act on. */
export const UNSUPPORTED_KEYS: readonly string[] = [
  'run-as',
  'proxy',
  'batch',
  'cache',
  'env.parameter-store',
  'env.secrets-manager',
  'env.git-credential-helper',
  'phases.*.run-as',
  'phases.*.runtime-versions',
  'artifacts.enable-symlinks',
  'artifacts.s3-prefix',
  'artifacts.secondary-artifacts',
];

/** Every key the local builder reads (with `*` for user-chosen names). */
const SUPPORTED_KEYS: readonly string[] = [
  'version',
  'env',
  'env.shell',
  'env.variables',
  'env.exported-variables',
  'phases',
  'phases.*',
  'phases.*.on-failure',
  'phases.*.commands',
  'phases.*.finally',
  'reports',
  'reports.*',
  'reports.*.files',
  'reports.*.base-directory',
  'reports.*.file-format',
  'reports.*.discard-paths',
  'artifacts',
  'artifacts.files',
  'artifacts.name',
  'artifacts.base-directory',
  'artifacts.discard-paths',
  'artifacts.exclude-paths',
];

/** Where to look for keys below a path (the maps whose keys are named by the user). */
const WILDCARD_PARENTS = new Set(['phases', 'reports']);
const OPAQUE = new Set(['env.variables']);

/**
 * Warnings for the keys of a parsed buildspec tree that the local builder ignores: the ones
 * CodeBuild supports and we do not (`env.parameter-store is not supported locally; ignored`)
 * and the ones nobody knows (`unknown key "artifact" ignored`).
 */
export function unsupportedKeyWarnings(tree: unknown): string[] {
  const warnings: string[] = [];
  const visit = (node: unknown, path: string, pattern: string) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || OPAQUE.has(pattern)) return;
    for (const [key, value] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key;
      const childPattern = WILDCARD_PARENTS.has(pattern)
        ? `${pattern}.*`
        : pattern
          ? `${pattern}.${key}`
          : key;
      if (UNSUPPORTED_KEYS.includes(childPattern)) {
        warnings.push(`${childPath} is not supported locally; ignored`);
      } else if (SUPPORTED_KEYS.includes(childPattern)) {
        visit(value, childPath, childPattern);
      } else {
        warnings.push(`unknown key "${childPath}" ignored`);
      }
    }
  };
  visit(tree, '', '');
  return warnings;
}
