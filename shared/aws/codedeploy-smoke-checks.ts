import * as z from '../../events/zod-mini.ts';
import type { CodeDeployTarget } from '../domain/pipeline-config.ts';

/**
 * Smoke checks of a CodeDeploy target: HTTP GETs the lifecycle hook function runs against the new
 * release, each expecting a status. The pipeline file has no key for them yet; the proposed,
 * additive key is `codedeploy.smokeChecks` (and `codedeploy.smokeHook` to pick the hook), with
 * exactly this shape. Until the schema carries it, it is read defensively: anything that does not
 * parse counts as "no smoke checks", never as a crash in a handler.
 */
export const SmokeCheck = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  expectStatus: z._default(z.int().check(z.minimum(100), z.maximum(599)), 200),
  /** Seconds one GET may take before it counts as failed. */
  timeoutSeconds: z._default(z.int().check(z.minimum(1), z.maximum(60)), 10),
});
export type SmokeCheck = z.output<typeof SmokeCheck>;

/** The CodeDeploy hooks a Lambda function can answer, per platform (AppSpec `Hooks`). */
export const SMOKE_HOOKS = {
  ECS: ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'],
  Lambda: ['BeforeAllowTraffic', 'AfterAllowTraffic'],
} as const;

/**
 * The default hook: ECS `AfterAllowTestTraffic` (the test listener reaches only the replacement
 * task set, before any production traffic); Lambda `AfterAllowTraffic` (nothing reaches a new
 * Lambda version over HTTP before the alias shifts, so the checks gate the end of the shift).
 */
const DEFAULT_HOOK = { ECS: 'AfterAllowTestTraffic', Lambda: 'AfterAllowTraffic' } as const;

/** The smoke checks a target declares (`[]` when none, or when what is there does not parse). */
export function smokeChecksOf(target: CodeDeployTarget | undefined): SmokeCheck[] {
  const raw = (target as Record<string, unknown> | undefined)?.smokeChecks;
  const parsed = z.array(SmokeCheck).safeParse(raw);
  return parsed.success ? parsed.data : [];
}

/** The AppSpec hook the smoke checks run in, or `undefined` when the platform has none (Server). */
export function smokeHookOf(target: CodeDeployTarget): string | undefined {
  if (target.platform === 'Server') return undefined;
  const wanted = (target as Record<string, unknown>).smokeHook;
  const allowed: readonly string[] = SMOKE_HOOKS[target.platform];
  return typeof wanted === 'string' && allowed.includes(wanted) ? wanted : DEFAULT_HOOK[target.platform];
}
