/**
 * zod/mini, with zod's English messages. The schemas that Lambda functions load (the event
 * catalogue, the AWS events, the webhook payloads, the functions' environments) are written with
 * zod/mini: its schemas are plain data, where full zod attaches ~100 methods to each one, and
 * building the catalogue at a cold start costs a third as much (docs/aws.md, "Bundle size and load
 * time"). zod/mini ships no messages ("Invalid input"); importing zod from here configures the
 * English ones first, so every issue still says what was expected and what came. Full zod stays
 * where nothing is in a hurry: the pipeline file, buildspecs, the CLI.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
