import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';

/**
 * What an event means to the people watching: the vocabulary of `notifications.slack.on`, plus
 * `progress` for the stage changes in between (a build starting, staging deployed…).
 */
export const Announcement = {
  Started: 'started',
  Progress: 'progress',
  Succeeded: 'succeeded',
  Failed: 'failed',
  RolledBack: 'rolled_back',
  Superseded: 'superseded',
  TimedOut: 'timed_out',
  Cancelled: 'cancelled',
} as const;
export type Announcement = (typeof Announcement)[keyof typeof Announcement];

/** The routing Slack uses when a pipeline names none (the schema's default). */
export const DEFAULT_SLACK_ROUTING: readonly Announcement[] = [
  'started',
  'succeeded',
  'failed',
  'rolled_back',
  'timed_out',
];

/** Classifies an event by what it announces. */
export function announcementOf(event: PipelineEvent): Announcement {
  switch (event.detailType) {
    case 'Run Started':
      return Announcement.Started;
    case 'Build Failed':
    case 'Staging Failed':
    case 'Canary Unhealthy':
      return Announcement.Failed;
    case 'Rolled Back':
      return Announcement.RolledBack;
    case 'Stage Timed Out':
      return Announcement.TimedOut;
    case 'Run Finished':
      return event.detail.data.outcome;
    default:
      return Announcement.Progress;
  }
}

/** True for the announcements that go with a thread reply (and a mention) in Slack. */
export function isFailure(announcement: Announcement): boolean {
  return (
    announcement === Announcement.Failed ||
    announcement === Announcement.RolledBack ||
    announcement === Announcement.TimedOut
  );
}

/**
 * Whether the pipeline's Slack routing announces this event. Progress between start and end
 * is announced when the start is: it is the same message moving on, not a new one.
 */
export function isAnnounced(pipeline: PipelineConfig | undefined, event: PipelineEvent): boolean {
  const on: readonly string[] = pipeline?.notifications.slack?.on ?? DEFAULT_SLACK_ROUTING;
  const announcement = announcementOf(event);
  if (announcement === Announcement.Progress) return on.includes(Announcement.Started);
  return on.includes(announcement);
}
