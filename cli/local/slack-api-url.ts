/**
 * `--slack-api-url` of `pushline up` and `pushline demo`: the root of a Slack-compatible Web API
 * for the bot. It reaches the notifiers as the variable `SLACK_API_URL` of the environment secrets
 * are read from, so the flag and the variable are one setting (the flag wins).
 *
 * Returns the environment to use, or a one-line problem when the value is not an http(s) URL.
 */
export function withSlackApiUrl(
  env: NodeJS.ProcessEnv,
  url: string | undefined,
): { env: NodeJS.ProcessEnv } | { problem: string } {
  if (url === undefined) return { env };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `--slack-api-url must be a URL like https://slack.com/api/, not "${url}"` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: `--slack-api-url must be an http or https URL, not "${url}"` };
  }
  return { env: { ...env, SLACK_API_URL: url } };
}
