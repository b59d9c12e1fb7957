import type { Logger } from '../ports/logger.ts';

/** The logger notifiers take (one `Logger` for the whole code base). */
export type NotifyLogger = Logger;

/** A logger that prints nothing. */
export { silentLogger } from '../ports/logger.ts';
