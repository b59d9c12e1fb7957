import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { sign } from '@octokit/webhooks-methods';
import { SecretName } from '../../sources/secret-names.ts';
import { failed, type SelfCheck } from './check.ts';
import { CHECK_PROVES } from './descriptions.ts';

/** The body of GitHub's `ping` delivery, as GitHub sends it when a webhook is created (trimmed to what matters). */
export function pingBody(probeId: string): string {
  return JSON.stringify({
    zen: 'Keep it logically awesome.',
    hook_id: 0,
    hook: {
      type: 'Repository',
      id: 0,
      name: 'web',
      active: true,
      events: ['push'],
      config: { content_type: 'json' },
    },
    sender: { login: 'pushline-aws-check', id: 0, type: 'Bot' },
    pushline_check: probeId,
  });
}

/**
 * The GitHub webhook endpoint answers a `ping` signed with the stage's webhook secret with 200 — the
 * HTTP API, the route, the receiver and the secret, proven together, as GitHub would see them. A
 * ping starts nothing.
 */
export const webhookCheck: SelfCheck = {
  name: 'webhook',
  proves: CHECK_PROVES.webhook,
  async run(context) {
    const stack = await context.stack();
    const base = stack.outputs.HttpApiUrl ?? stack.outputs.ServiceEndpoint;
    if (!base)
      return failed(
        'the stack has no HttpApiUrl output',
        'deploy the stack again (the HTTP API carries the webhooks)',
      );
    const url = `${base.replace(/\/$/, '')}/webhooks/github`;
    const name = `/pushline/${context.stage}/${SecretName.GitHubWebhook}`;
    let secret: string | undefined;
    try {
      const { Parameter } = await context.clients.ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
      );
      secret = Parameter?.Value;
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
    if (!secret)
      return failed(
        `no webhook secret at ${name}`,
        `aws ssm put-parameter --type SecureString --name ${name} --value …`,
      );
    const body = pingBody(context.probeId);
    const response = await (context.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/pushline-aws-check',
        'x-github-event': 'ping',
        'x-github-delivery': context.probeId,
        'x-hub-signature-256': await sign(secret, body),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status !== 200) {
      return failed(
        `POST ${url} answered ${response.status}: ${text.slice(0, 200)}`,
        response.status === 401
          ? `the receiver refused the signature: the secret at ${name} is not the one it reads (redeploy, or check PUSHLINE_SECRETS_PREFIX)`
          : 'read the receive-github function logs',
      );
    }
    return { ok: true, detail: `POST ${url} answered 200 to a signed ping` };
  },
};
