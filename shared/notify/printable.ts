/**
 * Text from outside (a branch, a commit message, an author, a reason) made safe to print on one
 * terminal line: line breaks and tabs become spaces; every other control character — an escape
 * sequence that clears the screen, retitles the window or fakes a line — and the bidirectional
 * overrides that reorder what is shown (Trojan Source) become `�`. `keepLines` keeps `\n` (a report
 * of several lines, such as `pushline show`).
 */
export function printable(text: string, { keepLines = false }: { keepLines?: boolean } = {}): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (keepLines && char === '\n') out += char;
    else if (char === '\n' || char === '\r' || char === '\t') out += ' ';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || isBidiControl(code)) out += '\uFFFD';
    else out += char;
  }
  return out;
}

function isBidiControl(code: number): boolean {
  return (
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e ||
    code === 0x200f
  );
}
