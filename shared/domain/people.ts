import type { PushlineFile } from './pipeline-config.ts';

type People = PushlineFile['people'];

/**
 * The person an identity stands for, by name: a name of the pipeline file's `people`, or the
 * person whose Slack user id or Git host login it is; otherwise the identity itself (a token's
 * name, a login nobody mapped). Names are what the run log records and approvers list.
 */
export function personOf(people: People, identity: string): string {
  if (Object.hasOwn(people, identity)) return identity;
  const found = Object.entries(people).find(
    ([, person]) => person.slack === identity || person.github === identity || person.gitlab === identity,
  );
  return found ? found[0] : identity;
}

/** Whether `identity` may decide at a gate whose approvers are `approvers` (none listed: anyone). */
export function mayDecide(approvers: readonly string[], people: People, identity: string): boolean {
  return approvers.length === 0 || approvers.includes(personOf(people, identity));
}
