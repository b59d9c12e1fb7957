import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { NotifyInput } from './notifier-kinds.ts';
import { renderConsoleLine } from './render-console-line.ts';

export interface ConsoleNotifierOptions {
  clock: Clock;
  /** Where lines go; standard output by default. */
  write?: (line: string) => void;
}

/**
 * Local mode's notifier: one readable line per stage change on the terminal, e.g.
 * `web  #01JD…Q7ZK  build ✔ succeeded (42s, 18 tests)`. Always on in local mode, beside Slack
 * and the Git host when those are configured.
 */
export class ConsoleNotifier implements Notifier {
  readonly name = 'console';
  private readonly write: (line: string) => void;

  constructor(private readonly options: ConsoleNotifierOptions) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  async notify({ run, event }: NotifyInput): Promise<void> {
    this.write(renderConsoleLine(run, event, this.options.clock.now()));
  }
}
