/**
 * untrusted-text.ts and output-excerpt.ts: what a grader's text becomes on a terminal. The attacks
 * themselves, through the real commands, are in terminal-safety*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { excerptLines } from '../../src/cli/output-excerpt.ts';
import { safeLine, safeText } from '../../src/cli/untrusted-text.ts';

/** Every character a terminal may act on, newline and tab included (they are checked apart). */
// eslint-disable-next-line no-control-regex -- the characters under test
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('safeText', () => {
  it('shows C0 controls and DEL as control pictures', () => {
    expect(safeText('a\u001b]52;c;eA==\u0007b')).toBe('a␛]52;c;eA==␇b');
    expect(safeText('\u0000\u0008\u000b\u000c\u001b\u007f')).toBe('␀␈␋␌␛␡');
  });

  it('keeps newlines and tabs, and reads a CRLF line ending as a newline', () => {
    expect(safeText('a\tb\nc\r\nd\r\n')).toBe('a\tb\nc\nd\n');
  });

  it('shows a lone carriage return, which would let the rest of the line overwrite its start', () => {
    expect(safeText('score 0%\rgraded  score 100%')).toBe('score 0%␍graded  score 100%');
    expect(safeText('a\r\r\nb')).toBe('a␍\nb');
  });

  it('shows C1 controls and bidi overrides, isolates and marks as <U+XXXX>', () => {
    expect(safeText('\u009b2J\u0085\u0080\u009f')).toBe('<U+009B>2J<U+0085><U+0080><U+009F>');
    expect(safeText('invoice\u202Efdp.exe')).toBe('invoice<U+202E>fdp.exe');
    expect(safeText('\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u2028\u2029'))
      .toBe('<U+061C><U+200E><U+200F><U+202A><U+202B><U+202C><U+202D><U+2066><U+2067><U+2068><U+2069><U+2028><U+2029>');
  });

  it('leaves ordinary text alone: accents, CJK, emoji, box drawing', () => {
    const text = 'Ça marche: 正しい ✓ 🎉 └── ok\n\ttabbed';
    expect(safeText(text)).toBe(text);
  });

  it('leaves no character a terminal acts on, whatever the input (every BMP code point)', () => {
    const all = Array.from({ length: 0x10000 }, (_, i) => (i >= 0xd800 && i <= 0xdfff ? '' : String.fromCharCode(i))).join('');
    const safe = safeText(all);
    expect(safe.replace(/[\n\t]/g, '')).not.toMatch(ACTIVE);
    expect(safeLine(all)).not.toMatch(ACTIVE);
  });
});

describe('safeLine', () => {
  it('shows newlines, tabs and CRLF too, so a value stays on its line', () => {
    expect(safeLine('name\nFAKE LINE\tx\r\ny')).toBe('name␊FAKE LINE␉x␍␊y');
  });
});

describe('excerptLines', () => {
  const lines = (n: number): string => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');
  const limits = { head: 3, tail: 2, lineChars: 20 };

  it('keeps every line when a note would hide only one', () => {
    expect(excerptLines(lines(6), limits)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(excerptLines(`${lines(2)}\n`, limits)).toEqual(['line 1', 'line 2']);
  });

  it('keeps the first and the last lines of a long output and counts the rest', () => {
    expect(excerptLines(lines(50), limits)).toEqual([
      'line 1', 'line 2', 'line 3', '… 45 lines omitted (full output: --json)', 'line 49', 'line 50',
    ]);
  });

  it('cuts a long line and says by how much', () => {
    expect(excerptLines('x'.repeat(25), limits)).toEqual([`${'x'.repeat(20)}… (5 more characters)`]);
    // Never half of a surrogate pair.
    expect(excerptLines(`${'x'.repeat(19)}🎉🎉`, limits)).toEqual([`${'x'.repeat(19)}… (4 more characters)`]);
  });

  it('is safe for a terminal: CRLF lines counted as lines, escapes shown', () => {
    expect(excerptLines('a\r\nb\u001b[2J\r\nc', limits)).toEqual(['a', 'b␛[2J', 'c']);
  });
});
