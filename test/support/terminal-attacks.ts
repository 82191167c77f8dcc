/**
 * Text a hostile submission (or grader) writes to take over the terminal of whoever reads its
 * result, and what gradebox's human output must show instead (src/cli/untrusted-text.ts). Shared
 * by the tests of `grade local` and of the server commands.
 */

export interface TerminalAttack {
  name: string;
  /** The text as the submission writes it. */
  payload: string;
  /** How the human output shows it. */
  shown: string;
}

export const TERMINAL_ATTACKS: readonly TerminalAttack[] = [
  {
    name: 'OSC 52: sets the clipboard (here to "rm -rf ~")',
    payload: 'x\u001b]52;c;cm0gLXJmIH4=\u0007y',
    shown: 'x␛]52;c;cm0gLXJmIH4=␇y',
  },
  {
    name: 'OSC 8: a link that hides where it goes',
    payload: '\u001b]8;;https://evil.example/\u001b\\see the solution\u001b]8;;\u001b\\',
    shown: '␛]8;;https://evil.example/␛\\see the solution␛]8;;␛\\',
  },
  {
    name: 'OSC 0: retitles the window',
    payload: '\u001b]0;gradebox: all tests passed\u0007',
    shown: '␛]0;gradebox: all tests passed␇',
  },
  {
    name: 'clear screen, cursor home, then a fake green "graded 100%"',
    payload: '\u001b[2J\u001b[H\u001b[32mgraded  score 100%\u001b[0m',
    shown: '␛[2J␛[H␛[32mgraded  score 100%␛[0m',
  },
  {
    name: 'a carriage return: the rest of the line overwrites its start',
    payload: 'score 0%\rgraded  score 100%',
    shown: 'score 0%␍graded  score 100%',
  },
  {
    name: 'C1 CSI (U+009B): clear screen without an ESC',
    payload: '\u009b2J\u009bHgraded 100%',
    shown: '<U+009B>2J<U+009B>Hgraded 100%',
  },
  {
    name: 'bidi override (U+202E): text shown reversed',
    payload: 'score: \u202e%001 :erocs',
    shown: 'score: <U+202E>%001 :erocs',
  },
];

/** A character a terminal would act on; newline and tab are the only ones human output may hold. */
// eslint-disable-next-line no-control-regex -- the characters under test
export const TERMINAL_ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The first active character of `text` and what is around it, for a failure message; undefined when none. */
export function firstActive(text: string): string | undefined {
  const match = TERMINAL_ACTIVE.exec(text);
  if (!match) return undefined;
  return `U+${match[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(text.slice(Math.max(0, match.index - 30), match.index + 30))}`;
}

/**
 * The files of a submission for the echo-payload fixture grader, which passes them through: the
 * payload in the feedback, a test's name and output, an unknown results.json key (which the
 * author's warnings quote), stdout and stderr. Score 0 of 1, status graded.
 */
export function payloadSubmissionFiles(payload: string): Record<string, string> {
  const results = {
    output: `feedback ${payload}`,
    tests: [{ name: `name ${payload}`, score: 0, max_score: 1, status: 'failed', output: `output ${payload}` }],
    [`key ${payload}`]: 'unknown keys are warnings that quote the key',
  };
  return { 'results.json': JSON.stringify(results), 'stdout.txt': `stdout ${payload}\n`, 'stderr.txt': `stderr ${payload}\n` };
}
