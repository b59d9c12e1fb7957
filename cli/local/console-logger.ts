import type { BusLogger } from '../../shared/local/local-bus.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Local mode's logger: one readable line per message on stderr (stdout stays for command output),
 * `2025-03-01T09:00:00.000Z INFO  push received deliveryId=… runs=["01J…"]`. Children carry their
 * keys (the bus keys each handler's by event id). Callers log ids and outcomes, never secrets.
 */
export function consoleLogger(
  options: {
    level?: LogLevel;
    keys?: Record<string, unknown>;
    write?: (line: string) => void;
    now?: () => Date;
  } = {},
): BusLogger {
  const level = options.level ?? 'info';
  const keys = options.keys ?? {};
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(level);
  const at =
    (name: Exclude<LogLevel, 'silent'>) =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (LOG_LEVELS.indexOf(name) < threshold) return;
      const fields = Object.entries({ ...keys, ...extra })
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`);
      write([now().toISOString(), name.toUpperCase().padEnd(5), message, ...fields].join(' '));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    createChild: ({ persistentKeys }) =>
      consoleLogger({ level, write, now, keys: { ...keys, ...persistentKeys } }),
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}
