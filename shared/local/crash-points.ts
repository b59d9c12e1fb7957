/**
 * Failpoints for the crash tests (issue 14, test/integration/crash-points.test.ts), in the manner
 * of etcd's gofail: `PUSHLINE_CRASH_AT=<point>` makes this process kill itself with SIGKILL the
 * first time it reaches that point once the server serves, as a power cut would — nothing after it runs, no clean-up, no
 * flush. Unset (always, outside those tests) a point is one comparison.
 *
 * The points, named `<step>:<before|after>[:<detail-type>]`:
 * - `startRuns:before|after` — a push's runs and delivery record committed (the receiver);
 * - `append:before|after:<detail-type>` — an event committed to the run's log (every stage);
 * - `dispatch:before|after:<detail-type>` — an event handed to its handlers, then marked published;
 * - `process-start:before|after` — an app process spawned, then answering its health check;
 * - `proxy-weights|proxy-promote|proxy-rollback:before|after` — the canary proxy's traffic split
 *   changed: a canary given its share, all of it promoted, or all of it taken back.
 */
const target = process.env.PUSHLINE_CRASH_AT || undefined;
/** Points count once the server serves (`armCrashPoints`), not during its own start-up. */
let armed = false;

export function armCrashPoints(): void {
  armed = true;
}

export function crashPoint(name: string): void {
  if (armed && target !== undefined && name === target) process.kill(process.pid, 'SIGKILL');
}

/** Every detail-type an event of `events` has: `append:after:Tests Passed`, once each. */
export function crashPointsOf(step: string, events: readonly { detailType: string }[]): void {
  if (!armed || target === undefined) return;
  for (const event of events) crashPoint(`${step}:${event.detailType}`);
}
