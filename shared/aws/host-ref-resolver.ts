import { ValidationError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import { type RefResolver, sourceOf } from '../ports/ref-resolver.ts';

/**
 * AWS mode's `RefResolver`: each pipeline's ref is resolved on its own Git host — CodeCommit in
 * the account, GitHub with the stack's token (built at its first use, so a stack without GitHub
 * pipelines reads no token and loads no Octokit). GitLab pipelines get a clear refusal.
 */
export function hostRefResolver(hosts: {
  codecommit: RefResolver;
  github: () => Promise<RefResolver>;
}): RefResolver {
  let github: Promise<RefResolver> | undefined;
  return {
    async resolve(pipeline: PipelineConfig, ref: string) {
      const { provider, repo } = sourceOf(pipeline);
      if (provider === 'codecommit') return hosts.codecommit.resolve(pipeline, ref);
      if (provider === 'github') {
        github ??= hosts.github();
        // A token that could not be read is asked for again at the next manual run.
        github.catch(() => {
          github = undefined;
        });
        return (await github).resolve(pipeline, ref);
      }
      throw new ValidationError(`manual runs of ${provider} pipelines (${repo}) are not served on AWS yet`);
    },
  };
}
