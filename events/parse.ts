import type * as z from 'zod';
import { EventValidationError } from '../shared/domain/errors.ts';
import { isDetailType, PIPELINE_EVENTS, type PipelineEvent } from './pipeline-events.ts';

/**
 * Parses an event at the edge: a detail-type and a raw detail become a typed `PipelineEvent`,
 * or an `EventValidationError` that lists every problem by its path.
 */
export function parsePipelineEvent(detailType: unknown, detail: unknown): PipelineEvent {
  if (!isDetailType(detailType)) {
    throw new EventValidationError(`unknown detail-type ${JSON.stringify(detailType)}`, { detailType });
  }
  const result = PIPELINE_EVENTS[detailType].safeParse(detail);
  if (!result.success) {
    throw new EventValidationError(`invalid "${detailType}" detail: ${formatIssues(result.error.issues)}`, {
      detailType,
      cause: result.error,
    });
  }
  return { detailType, detail: result.data } as PipelineEvent;
}

/** `data.tests.total: expected number, received string; source.commit: …` */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
