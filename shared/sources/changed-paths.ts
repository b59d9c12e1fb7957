/** The file lists a push notification gives for each commit (GitHub and GitLab name them alike). */
export interface CommitFiles {
  added?: readonly string[] | null;
  modified?: readonly string[] | null;
  removed?: readonly string[] | null;
}

/**
 * Every path the commits added, modified or removed, each once, in the order first seen. A removed
 * path counts: deleting a file changes what gets built and deployed.
 */
export function unionOfChangedPaths(commits: readonly CommitFiles[]): string[] {
  const paths = new Set<string>();
  for (const commit of commits) {
    for (const list of [commit.added, commit.modified, commit.removed]) {
      for (const path of list ?? []) paths.add(path);
    }
  }
  return [...paths];
}
