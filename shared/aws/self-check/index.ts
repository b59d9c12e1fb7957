import type { PushlineFile } from '../../domain/pipeline-config.ts';
import type { SelfCheck } from './check.ts';
import { outboxProbe } from './outbox-probe.ts';
import { permissionsCheck } from './permissions-check.ts';
import { schedulesCheck } from './schedules-check.ts';
import { secretsCheck } from './secrets-check.ts';
import { stackCheck } from './stack-check.ts';
import { webhookCheck } from './webhook-check.ts';

/** Every check of `pushline aws check`, in the order they run (the stack first: the others read it). */
export function selfChecks(file: PushlineFile): SelfCheck[] {
  return [stackCheck, secretsCheck(file), permissionsCheck, schedulesCheck, webhookCheck, outboxProbe];
}

export { type CheckContext, type CheckResult, runChecks, type SelfCheck } from './check.ts';
export { readDeployedStack } from './deployed-stack.ts';
export { CHECK_PROVES, type CheckName } from './descriptions.ts';
