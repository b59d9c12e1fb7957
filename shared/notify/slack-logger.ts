import { type Logger, LogLevel } from '@slack/web-api';
import type { NotifyLogger } from './logger.ts';

/**
 * The WebClient's logger, speaking through ours: its rate-limit waits become debug lines, its
 * warnings warnings. Without it the WebClient prints to the console on its own. The WebClient
 * redacts the token from what it logs.
 */
export function slackLogger(logger: NotifyLogger): Logger {
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: () => {},
    info: (...parts: unknown[]) => logger.debug?.(`slack: ${text(parts)}`),
    warn: (...parts: unknown[]) => logger.warn(`slack: ${text(parts)}`),
    error: (...parts: unknown[]) => logger.error(`slack: ${text(parts)}`),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
