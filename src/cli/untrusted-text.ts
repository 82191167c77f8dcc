/**
 * Text that came from a grader, a submission or an image, made safe to print on a terminal.
 *
 * A grader's feedback, its stdout and stderr, test names, file names in a submission or an image:
 * any of them can carry terminal control sequences that set the reader's clipboard (OSC 52),
 * retitle the window, hide a link (OSC 8), clear the screen and draw a fake status, or overwrite
 * a line with a carriage return. Human output shows every such character as a visible stand-in
 * instead, so the author sees that it was there and the terminal does nothing with it:
 *
 * - C0 controls and DEL become their Unicode control pictures: ESC `␛`, CR `␍`, BEL `␇`,
 *   BS `␈`, NUL `␀`, DEL `␡` (U+2400–U+2421); newline and tab stay as they are in text blocks;
 * - a carriage return right before a newline (a CRLF line ending) is dropped: it cannot hide anything;
 * - C1 controls (U+0080–U+009F, e.g. the one-character CSI U+009B) and the characters that reorder
 *   text or break lines invisibly (bidirectional overrides, embeddings, isolates and marks U+061C,
 *   U+200E, U+200F, U+202A–U+202E, U+2066–U+2069; line and paragraph separators U+2028, U+2029)
 *   become `<U+202E>`: they have no picture.
 *
 * `--json` output never goes through here: it keeps the exact text (JSON escapes every control
 * character itself). Colours gradebox adds with `paint` are added after, so they still work.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /\r\n|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, with newline and tab
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text of several lines (feedback, a log): newlines and tabs kept, CRLF read as a newline, the rest made visible. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\r\n' ? '\n' : standIn(c)));
}

/**
 * One line (a test name, a file name, a table cell): newlines and tabs made visible too (`␊`, `␉`),
 * so the value cannot start a line of its own or shift columns.
 */
export function safeLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, standIn);
}

function standIn(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}
