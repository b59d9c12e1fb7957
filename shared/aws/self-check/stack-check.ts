import { failed, type SelfCheck } from './check.ts';
import { CHECK_PROVES } from './descriptions.ts';

/** Settled states a stack can be used in; anything else is under way or failed. */
const USABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const NEEDED_OUTPUTS = ['EventBusName', 'TableName', 'ScheduleGroupName'];

export const stackCheck: SelfCheck = {
  name: 'stack',
  proves: CHECK_PROVES.stack,
  async run(context) {
    const stack = await context.stack();
    if (!USABLE.has(stack.status)) {
      return failed(
        `${stack.name} is ${stack.status}`,
        stack.status.includes('ROLLBACK')
          ? 'the last deploy failed and was rolled back: read its events (aws cloudformation describe-stack-events), fix, deploy again'
          : 'wait for the stack operation under way to end, then check again',
      );
    }
    const missing = NEEDED_OUTPUTS.filter((key) => !stack.outputs[key]);
    if (missing.length > 0) {
      return failed(
        `${stack.name} lacks the outputs ${missing.join(', ')}`,
        'deploy the stack again from this version of Pushline',
      );
    }
    return { ok: true, detail: `${stack.name} is ${stack.status}` };
  },
};
