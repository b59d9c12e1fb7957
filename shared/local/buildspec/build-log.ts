import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../../ports/clock.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026/11/27 05:39:29`, in UTC, as CodeBuild's container lines show it. */
export function containerTimestamp(date: Date): string {
  return (
    `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/**
 * The build log file: the commands' own output, byte for byte, between CodeBuild-like container
 * lines (`[Container] 2026/11/27 05:39:29 Entering phase BUILD`). A container line always starts
 * on a line of its own, even after output that did not end with a newline.
 */
export class BuildLog {
  private readonly stream: WriteStream;
  private atLineStart = true;
  private readonly finished: Promise<void>;

  constructor(
    readonly path: string,
    private readonly clock: Clock,
  ) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.finished = new Promise((resolve, reject) => {
      this.stream.once('close', resolve);
      this.stream.once('error', reject);
    });
    // A write error surfaces at close(); until then it must not count as an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  /** A `[Container]` line. */
  container(message: string): void {
    const prefix = this.atLineStart ? '' : '\n';
    this.stream.write(`${prefix}[Container] ${containerTimestamp(this.clock.now())} ${message}\n`);
    this.atLineStart = true;
  }

  /** Output of a command, as it came. */
  output(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.stream.write(chunk);
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    this.stream.end();
    await this.finished;
  }
}
