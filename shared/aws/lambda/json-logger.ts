import type { Logger } from '../../ports/logger.ts';

/**
 * A logger for Lambda: one JSON line per entry on stdout (CloudWatch Logs keeps it, Logs
 * Insights queries its fields). Deliberately tiny: a logging library would add to every cold
 * start what a JSON line does not need. `context` (function, request id, event id) is merged in.
 */
export class JsonLogger implements Logger {
  constructor(
    private readonly context: Record<string, unknown> = {},
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  child(context: Record<string, unknown>): JsonLogger {
    return new JsonLogger({ ...this.context, ...context }, this.write);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.log('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.log('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.log('ERROR', message, extra);
  }

  private log(level: string, message: string, extra?: Record<string, unknown>): void {
    const entry = { level, message, timestamp: new Date().toISOString(), ...this.context, ...extra };
    this.write(JSON.stringify(entry, (_key, value) => (value instanceof Error ? errorFields(value) : value)));
  }
}

function errorFields(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack, cause: error.cause };
}
