/**
 * The names receivers ask their `SecretSource` for. Locally `EnvSecretSource` reads each from the
 * environment variable of the same name in upper snake case (`github-webhook-secret` →
 * `GITHUB_WEBHOOK_SECRET`); on AWS `AwsSecretSource` maps each to an SSM parameter or a secret.
 */
export const SecretName = {
  GitHubWebhook: 'github-webhook-secret',
  GitLabWebhook: 'gitlab-webhook-token',
} as const;
export type SecretName = (typeof SecretName)[keyof typeof SecretName];
