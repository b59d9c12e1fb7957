import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import type { PushlineFile } from '../../domain/pipeline-config.ts';
import { SecretName } from '../../sources/secret-names.ts';
import { failed, type SelfCheck } from './check.ts';
import { CHECK_PROVES } from './descriptions.ts';

/** A secret the stack reads, where, and who needs it. */
export interface NeededSecret {
  name: string;
  why: string;
}

/**
 * The secrets the pipeline file makes the functions read (docs/aws.md, "Secrets"): each webhook
 * secret of a Git host a pipeline uses, the GitHub token for commit statuses, the Slack bot token
 * when a pipeline posts to Slack without its own webhook, the webhook secret a pipeline names, and
 * the API's tokens.
 */
export function neededSecrets(file: PushlineFile): NeededSecret[] {
  const needed = new Map<string, string>();
  const add = (name: string, why: string) => needed.set(name, needed.get(name) ?? why);
  for (const pipeline of file.pipelines) {
    if (pipeline.source.github) {
      add(SecretName.GitHubWebhook, 'receive-github verifies every push with it');
      if (pipeline.notifications.commitStatus)
        add('GITHUB_TOKEN', `notify sets ${pipeline.name}'s commit statuses with it`);
    }
    if (pipeline.source.gitlab) add(SecretName.GitLabWebhook, 'receive-gitlab checks every push with it');
    const slack = pipeline.notifications.slack;
    if (slack?.webhook) add(slack.webhook, `notify posts ${pipeline.name} to Slack with it`);
    else if (slack) add('SLACK_BOT_TOKEN', `notify posts ${pipeline.name} to Slack with it`);
  }
  add('api-tokens', 'the API (pushline approve, cancel…) authenticates callers with it');
  return [...needed].map(([name, why]) => ({ name, why }));
}

/**
 * Each secret exists as an SSM parameter under `/pushline/<stage>/` — checked without reading its
 * value (`GetParameter` without decryption returns a SecureString still encrypted).
 */
export function secretsCheck(file: PushlineFile): SelfCheck {
  return {
    name: 'secrets',
    proves: CHECK_PROVES.secrets,
    async run(context) {
      const prefix = `/pushline/${context.stage}/`;
      const missing: NeededSecret[] = [];
      const needed = neededSecrets(file);
      for (const secret of needed) {
        try {
          await context.clients.ssm.send(
            new GetParameterCommand({ Name: `${prefix}${secret.name}`, WithDecryption: false }),
          );
        } catch (error) {
          if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound')
            missing.push(secret);
          else throw error;
        }
      }
      if (missing.length > 0) {
        return failed(
          `missing ${missing.map((s) => `${prefix}${s.name} (${s.why})`).join('; ')}`,
          `aws ssm put-parameter --type SecureString --name ${prefix}${missing[0]!.name} --value … (docs/aws.md, "Secrets")`,
        );
      }
      return {
        ok: true,
        detail: `${needed.length} secret(s) present: ${needed.map((s) => s.name).join(', ')}`,
      };
    },
  };
}
