/**
 * Durations in the pipeline file: a number of seconds, or a string such as `90s`, `5m`, `1h30m`,
 * `14d`.
 * Returns whole seconds, or `undefined` when the text is not a duration.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/.exec(text);
  if (!match || text === '' || (!match[1] && !match[2] && !match[3] && !match[4])) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return days * 86_400 + hours * 3600 + minutes * 60 + seconds;
}

/** `1h 5m`, `4m 10s`, `12s` — for people. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return rest ? `${m}m ${rest}s` : `${m}m`;
  return `${rest}s`;
}
