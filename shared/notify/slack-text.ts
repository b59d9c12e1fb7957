/**
 * Slack mrkdwn helpers. Text from outside (commit messages, authors, reasons) must have `&`, `<`
 * and `>` escaped, or a commit message such as `fix <script>` breaks the message or fakes a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `<url|label>`, or the escaped label alone when there is no URL. The URL is built from outside
 * text too (a repository, a branch): `<`, `>`, `|` and white space in it are percent-encoded, so it
 * cannot end the link early and smuggle a `<!channel>` in.
 */
export function mrkdwnLink(url: string | undefined, label: string): string {
  const text = escapeMrkdwn(label).replace(/\|/g, '¦');
  return url ? `<${safeUrl(url)}|${text}>` : text;
}

function safeUrl(url: string): string {
  return url.replace(/[<>|\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Cuts text to `max` characters (Slack: 3000 per section text, 150 per header). */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A mention for `mentionOnFailure`: a user group id (`S0123ABCD`) becomes `<!subteam^S0123ABCD>`,
 * `here`/`channel` the special mentions, anything else (`@oncall`) stays as written and relies on
 * `link_names`.
 */
export function mention(target: string | undefined): string | undefined {
  if (!target) return undefined;
  const value = target.trim();
  if (/^S[A-Z0-9]{2,}$/.test(value)) return `<!subteam^${value}>`;
  if (value === 'here' || value === '@here') return '<!here>';
  if (value === 'channel' || value === '@channel') return '<!channel>';
  return escapeMrkdwn(value.startsWith('@') ? value : `@${value}`);
}
