import * as z from 'zod';

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
  event: z.string().min(1),
  repositoryName: z.string().min(1),
  repositoryId: z.string().min(1),
  callerUserArn: z.string().optional(),
  referenceType: z.enum(['branch', 'tag']).optional(),
  referenceName: z.string().optional(),
  referenceFullName: z.string().optional(),
  commitId: z.string().optional(),
  oldCommitId: z.string().optional(),
  baseCommitId: z.string().optional(),
  sourceCommitId: z.string().optional(),
  destinationCommitId: z.string().optional(),
  mergeOption: z.string().optional(),
  conflictDetailsLevel: z.string().optional(),
  conflictResolutionStrategy: z.string().optional(),
});

/** The whole EventBridge event AWS CodeCommit sends when a reference changes. */
export const CodeCommitRepositoryStateChange = z.looseObject({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.literal('CodeCommit Repository State Change'),
  source: z.literal('aws.codecommit'),
  account: z.string(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: CodeCommitRepositoryStateChangeDetail,
});
export type CodeCommitRepositoryStateChange = z.output<typeof CodeCommitRepositoryStateChange>;
export type CodeCommitRepositoryStateChangeDetail = z.output<typeof CodeCommitRepositoryStateChangeDetail>;
