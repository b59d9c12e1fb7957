/**
 * Splits a shell's output stream into the command's own bytes and the end-of-command markers the
 * runner asks the shell to print (`\x1e` + `PL<nonce>:` + exit status + `\x1e`).
 *
 * The marker travels on the same pipe as the output — not on a side channel — so that everything
 * a command printed is read before its marker: a side channel could overtake the last chunk of
 * output and put "Phase complete" above it in the log. The random nonce keeps a command that
 * happens to print the record separator from being taken for a marker.
 */
export type ScannedPiece = { kind: 'output'; data: Buffer } | { kind: 'marker'; status: number };

const SEPARATOR = 0x1e;

export class MarkerScanner {
  private readonly prefix: Buffer;
  private pending: Buffer = Buffer.alloc(0);

  constructor(readonly nonce: string) {
    this.prefix = Buffer.from(`\x1ePL${nonce}:`);
  }

  /** The shell text that prints a marker carrying `$status` (a shell expression). */
  printCommand(status: string): string {
    return `printf '\\036PL%s:%s\\036' '${this.nonce}' "${status}"`;
  }

  /** Feeds a chunk; returns the output and markers found, in order. */
  push(chunk: Buffer): ScannedPiece[] {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const pieces: ScannedPiece[] = [];
    for (;;) {
      const start = buffer.indexOf(this.prefix);
      if (start < 0) break;
      const end = buffer.indexOf(SEPARATOR, start + this.prefix.length);
      if (end < 0) {
        if (start > 0) pieces.push({ kind: 'output', data: buffer.subarray(0, start) });
        this.pending = Buffer.from(buffer.subarray(start));
        return pieces;
      }
      if (start > 0) pieces.push({ kind: 'output', data: buffer.subarray(0, start) });
      const status = Number(buffer.subarray(start + this.prefix.length, end).toString('latin1'));
      pieces.push({ kind: 'marker', status: Number.isInteger(status) ? status : 1 });
      buffer = buffer.subarray(end + 1);
    }
    // Hold back a tail that could be the beginning of a marker cut by the chunk boundary.
    const keep = this.partialPrefixLength(buffer);
    if (buffer.length - keep > 0)
      pieces.push({ kind: 'output', data: buffer.subarray(0, buffer.length - keep) });
    this.pending = Buffer.from(buffer.subarray(buffer.length - keep));
    return pieces;
  }

  /** Whatever is held back, when the stream ends. */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  private partialPrefixLength(buffer: Buffer): number {
    for (let k = Math.min(this.prefix.length - 1, buffer.length); k > 0; k -= 1) {
      if (buffer.subarray(buffer.length - k).equals(this.prefix.subarray(0, k))) return k;
    }
    return 0;
  }
}
