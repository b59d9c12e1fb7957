/**
 * Pushline's error tree. One place (the HTTP middleware, the Lambda wrapper, the CLI) maps these to
 * a status code, a retry or an exit code by `instanceof` — never by comparing `error.name` strings.
 *
 * - `expose`: the message is safe and useful to show to the caller (a webhook sender, a CLI user).
 * - `retryable`: the work may succeed if tried again (the platform should retry the handler).
 */
export class PushlineError extends Error {
  readonly expose: boolean = false;
  readonly retryable: boolean = false;
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    const { cause, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PushlineError';
    this.context = context;
  }
}

/** Input from outside (a webhook body, an AWS event, a CLI argument) is not what it must be. */
export class ValidationError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'ValidationError';
  }
}

/** A pipeline event's detail does not match its schema. */
export class EventValidationError extends ValidationError {
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'EventValidationError';
  }
}

/** The pipeline file is not valid; `problems` lists every one by its path. */
export class ConfigError extends ValidationError {
  readonly problems: readonly ConfigProblem[];
  constructor(message: string, problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
export interface ConfigProblem {
  /** `pipelines[0].production.canary.interval` */
  path: string;
  message: string;
  /** 1-based line in the YAML file, when the parser knows it. */
  line?: number;
}

/**
 * The environment a deployment runs with is missing a setting or has a bad one: a Lambda's
 * variables (set by serverless.yml), a local server's. Not the pipeline file (`ConfigError`), not
 * input (`ValidationError`): retrying cannot help, and the message names every variable to fix.
 */
export class EnvironmentError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/** A webhook's signature or token is missing or wrong (HTTP 401). */
export class WebhookSignatureError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'WebhookSignatureError';
  }
}

/**
 * An action that does not fit the run's state (approve a finished run, cancel a cancelled one):
 * HTTP 409, with the run's state in `context.run` so the caller sees why.
 */
export class ConflictError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** The caller may not do this (not one of the gate's approvers): HTTP 403. */
export class ForbiddenError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** A request body is larger than the limit (HTTP 413). */
export class PayloadTooLargeError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Another writer appended to the run first (the run's version moved on). The caller re-reads the
 * run and decides again; see `recordEvents`.
 */
export class ConcurrencyError extends PushlineError {
  override readonly retryable: boolean = true;
  constructor(message: string, options: { cause?: unknown; runId?: string; expectedVersion?: number } = {}) {
    super(message, options);
    this.name = 'ConcurrencyError';
  }
}

/** A run, build or deployment that should exist does not. */
export class NotFoundError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** A dependency (AWS, Git host, Slack, a local process) failed in a way worth retrying. */
export class TransientError extends PushlineError {
  override readonly retryable: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * The store cannot write: its disk is full (or failing). Nothing of the write was kept; the caller
 * may try again once there is space (a webhook sender redelivers). The message is safe to show.
 */
export class StorageFullError extends TransientError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'StorageFullError';
  }
}

/**
 * A secret the deployment needs (a webhook secret, a token) is not configured (HTTP 503, shown:
 * the message says what to set). Not a crash, and not worth retrying until someone sets it.
 */
export class MissingSecretError extends PushlineError {
  override readonly expose: boolean = true;
  constructor(message: string, options: { cause?: unknown; [key: string]: unknown } = {}) {
    super(message, options);
    this.name = 'MissingSecretError';
  }
}
