import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MarkerScanner, type ScannedPiece } from '../../../../../shared/local/buildspec/marker-scanner.ts';

const NONCE = '0123456789abcdef';
const marker = (status: number) => `\x1ePL${NONCE}:${status}\x1e`;

/** Feeds `chunks` and merges adjacent output pieces, so that chunking does not change the answer. */
function scan(chunks: string[]): { output: string; status?: number }[] {
  const scanner = new MarkerScanner(NONCE);
  const pieces: ScannedPiece[] = chunks.flatMap((c) => scanner.push(Buffer.from(c)));
  const rest = scanner.flush();
  if (rest.length > 0) pieces.push({ kind: 'output', data: rest });
  const merged: { output: string; status?: number }[] = [{ output: '' }];
  for (const piece of pieces) {
    const last = merged[merged.length - 1]!;
    if (piece.kind === 'output') last.output += piece.data.toString();
    else {
      last.status = piece.status;
      merged.push({ output: '' });
    }
  }
  return merged;
}

describe('MarkerScanner', () => {
  it('separates output from the end-of-command markers', () => {
    expect(scan([`hello\n${marker(0)}oops${marker(17)}`])).toEqual([
      { output: 'hello\n', status: 0 },
      { output: 'oops', status: 17 },
      { output: '' },
    ]);
  });

  it('finds a marker cut across chunks, one byte at a time', () => {
    const text = `a${marker(2)}b`;

    expect(scan([...text])).toEqual([{ output: 'a', status: 2 }, { output: 'b' }]);
  });

  it('leaves a record separator that is no marker in the output', () => {
    expect(scan(['x\x1ey\x1ePLnot-the-nonce:1\x1e'])).toEqual([
      { output: 'x\x1ey\x1ePLnot-the-nonce:1\x1e' },
    ]);
  });

  it('prints markers with the shell command it hands out', () => {
    expect(new MarkerScanner(NONCE).printCommand('$rc')).toBe(`printf '\\036PL%s:%s\\036' '${NONCE}' "$rc"`);
  });

  it('gives the same answer however the stream is cut', () => {
    const segment = fc.record({ output: fc.string({ maxLength: 20 }), status: fc.nat(255) });
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 5 }),
        fc.array(fc.nat(40), { maxLength: 8 }),
        (segments, cuts) => {
          const text = segments.map((s) => s.output + marker(s.status)).join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points, text.length]
            .slice(1)
            .map((end, i, all) => text.slice(i === 0 ? 0 : all[i - 1], end));

          expect(scan(chunks)).toEqual(scan([text]));
          expect(scan([text]).slice(0, -1)).toEqual(segments);
        },
      ),
      { numRuns: 200 },
    );
  });
});
