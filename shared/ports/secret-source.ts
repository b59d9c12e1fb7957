/**
 * Reads secrets (webhook secrets, Slack and GitHub tokens) by name. SSM Parameter Store /
 * Secrets Manager on AWS (cached across invocations), the environment or `.env` locally.
 *
 * Contract: returns `undefined` for a secret that is not set; throws `TransientError` when the
 * store cannot be reached. Values are never logged.
 */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
  /**
   * Where an operator sets the secret `name`, in the words of this source (`GITLAB_WEBHOOK_TOKEN
   * in the environment…`, `the SSM parameter /pushline/prod/gitlab-webhook-token`): what an error
   * about a missing secret tells them to set. Optional: a fake source may leave it out.
   */
  whereToSet?(name: string): string;
}
