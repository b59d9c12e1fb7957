/**
 * The logger every adapter and handler takes. Powertools' `Logger`, the Lambda `JsonLogger`, the
 * local console logger and `console` all fit. Attributes are structured (never interpolated into
 * the message) and never carry a secret.
 */
export interface Logger {
  debug?(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A logger that hands out children carrying keys of their own (the bus: one per event and function). */
export interface ScopedLogger extends Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  createChild(options: { persistentKeys: Record<string, unknown> }): ScopedLogger;
}

/** Says nothing: the default where a caller passes no logger. */
export const silentLogger: ScopedLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  createChild: () => silentLogger,
};
