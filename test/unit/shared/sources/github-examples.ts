import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

/**
 * Every example of one GitHub webhook event in `@octokit/webhooks-examples`, from api.github.com
 * and each GitHub Enterprise Server version the package carries, labelled `<host> #<n>`.
 */
export function githubExamples(event: string): { label: string; payload: Record<string, unknown> }[] {
  const root = dirname(require.resolve('@octokit/webhooks-examples/package.json'));
  const hosts = readdirSync(root).filter((name) => /^(api\.github\.com|ghes-\d+)$/.test(name));
  return hosts.flatMap((host) => {
    const definitions = JSON.parse(
      readFileSync(join(root, host, 'index.json'), 'utf8'),
    ) as WebhookDefinition[];
    const examples = definitions.find((definition) => definition.name === event)?.examples ?? [];
    return examples.map((payload, index) => ({ label: `${host} #${index}`, payload }));
  });
}

/** A deep copy, so a test can change an example without touching the others. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
