import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import type { Run } from '../domain/run.ts';
import type { Notifier } from '../ports/notifier.ts';

/**
 * What `makeNotify` hands each notifier: the port's input plus `announce`, which is false when
 * the pipeline's Slack routing (`notifications.slack.on`) does not announce the event. A Slack
 * notifier then posts nothing new, but may still bring a message it already posted up to date —
 * a superseded run must not be left saying "running" in the channel.
 */
export interface NotifyInput {
  run: Run;
  event: PipelineEvent;
  pipeline?: PipelineConfig;
  announce: boolean;
}

/**
 * A notifier that follows Slack routing. Notifiers without `routing` (commit statuses, the
 * console) hear every event, because a status left `pending` on a commit is a lie.
 */
export interface RoutedNotifier extends Notifier {
  readonly routing: 'slack';
  notify(input: NotifyInput): Promise<void>;
}

export function isRouted(notifier: Notifier): notifier is RoutedNotifier {
  return (notifier as Partial<RoutedNotifier>).routing === 'slack';
}
