/**
 * Reads secrets (webhook secrets, Slack and GitHub tokens) by name. SSM Parameter Store /
 * Secrets Manager on AWS (cached across invocations), the environment or `.env` locally.
 *
 * Contract: returns `undefined` for a secret that is not set; throws `TransientError` when the
 * store cannot be reached. Values are never logged.
 */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}
