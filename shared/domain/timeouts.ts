/**
 * How long each stage may take, in seconds, when the pipeline file does not say (its
 * `timeouts:`). Kept apart from the pipeline-file schema so that the watchdog's bundle need not
 * carry the schema to know them.
 */
export const DEFAULT_TIMEOUTS = { build: 1800, staging: 900, canary: 3600, production: 1800 } as const;

/** How long an approval gate waits for a decision when the pipeline file does not say: a day. */
export const DEFAULT_APPROVAL_TIMEOUT = 86_400;
