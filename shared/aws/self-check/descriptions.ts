/**
 * What each check of `pushline aws check` proves, in the order they run: `--help` prints it
 * without loading a check (or the AWS SDK), and each check takes its line from here.
 */
export const CHECK_PROVES = {
  stack: 'the stack is deployed, settled (CREATE/UPDATE_COMPLETE) and has the outputs the other checks read',
  secrets: 'every secret the pipeline file needs exists under /pushline/<stage>/ (values are not read)',
  permissions:
    "each function's role allows exactly the actions its code calls (the deployed template's), and no more (IAM SimulatePrincipalPolicy)",
  schedules:
    'the watchdog schedule is enabled and targets the watchdog; the canary-check schedule group is active and its role may invoke judge-canary',
  webhook: 'the GitHub webhook endpoint answers a ping signed with the stage secret (200, event ping)',
  outbox:
    'a probe entry written to the table reaches the bus through the stream and the pipe, with source pushline and its detail-type',
} as const;

export type CheckName = keyof typeof CHECK_PROVES;
