/**
 * The little a notifier needs from a logger. Powertools' `Logger` and the handlers' `JsonLogger`
 * fit it as they are (`debug` is optional); tests pass `silentLogger` or a recording fake. Never
 * give it a secret: messages and attributes are printed.
 */
export interface NotifyLogger {
  debug?(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A logger that prints nothing. */
export const silentLogger: NotifyLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
