import * as z from '../zod-mini.ts';

/** The `detail.event` values of a `CodeCommit Repository State Change` (AWS documents these four). */
export const CodeCommitReferenceEvent = {
  ReferenceCreated: 'referenceCreated',
  ReferenceUpdated: 'referenceUpdated',
  ReferenceDeleted: 'referenceDeleted',
  UnreferencedMergeCommitCreated: 'unreferencedMergeCommitCreated',
} as const;
export type CodeCommitReferenceEvent =
  (typeof CodeCommitReferenceEvent)[keyof typeof CodeCommitReferenceEvent];

/**
 * The `detail` of a `CodeCommit Repository State Change`. The AWS schema registry marks only
 * `event`, `repositoryName`, `repositoryId` and `callerUserArn` as always present; the documented
 * samples even leave out `callerUserArn`, so it is optional here. Commit ids are plain strings in
 * the schema (the samples use placeholders such as `3e5983DESTINATION`); the normaliser insists on
 * real ones. Unknown fields pass through.
 */
export const CodeCommitRepositoryStateChangeDetail = z.looseObject({
  event: z.string().check(z.minLength(1)),
  repositoryName: z.string().check(z.minLength(1)),
  repositoryId: z.string().check(z.minLength(1)),
  callerUserArn: z.optional(z.string()),
  referenceType: z.optional(z.enum(['branch', 'tag'])),
  referenceName: z.optional(z.string()),
  referenceFullName: z.optional(z.string()),
  commitId: z.optional(z.string()),
  oldCommitId: z.optional(z.string()),
  baseCommitId: z.optional(z.string()),
  sourceCommitId: z.optional(z.string()),
  destinationCommitId: z.optional(z.string()),
  mergeOption: z.optional(z.string()),
  conflictDetailsLevel: z.optional(z.string()),
  conflictResolutionStrategy: z.optional(z.string()),
});

/** The whole EventBridge event AWS CodeCommit sends when a reference changes. */
export const CodeCommitRepositoryStateChange = z.looseObject({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('CodeCommit Repository State Change'),
  source: z.literal('aws.codecommit'),
  account: z.string(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  detail: CodeCommitRepositoryStateChangeDetail,
});
export type CodeCommitRepositoryStateChange = z.output<typeof CodeCommitRepositoryStateChange>;
export type CodeCommitRepositoryStateChangeDetail = z.output<typeof CodeCommitRepositoryStateChangeDetail>;
