/**
 * How big a normalized result may be, whatever the protocol, and what happens past each cap.
 *
 * A grader's output is read from a file of at most 16 MiB, but its normalized form can be far
 * bigger (a million empty tests `{}` became a 185 MB result) and every read of it pays again. So:
 * - what a student would still want to read is cut with a warning, as Gradescope still shows a
 *   long output: the feedback, each test's name and output, and the tests' outputs together;
 * - what is only passed through (`extra_data`) is dropped with a warning when too big;
 * - what cannot be shown sensibly at all is a fault (`grader-error`, one message for the author):
 *   more tests than `tests` (checked by the validators before reading them), nesting deeper than
 *   `depth` (checked when parsing), and a result still over `resultBytes` once cut;
 * - the author's message lists keep their first `messages` entries and say how many more there were.
 */
import { failed, formatBytes as formatSize } from './interpret-run.ts';
import type { Interpretation } from './protocol.ts';
import type { TestResult } from './grade-result.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export const RESULT_LIMITS = Object.freeze({
  /** Tests per result; more is a fault. */
  tests: 10_000,
  /** Characters of one test's name; longer names are cut. */
  testNameChars: 300,
  /** UTF-8 bytes of one test's output; longer outputs are cut. */
  testOutputBytes: 64 * KiB,
  /** UTF-8 bytes of all tests' outputs together; outputs past it are cut. */
  testOutputsBytes: 4 * MiB,
  /** UTF-8 bytes of the feedback (Coursera `feedback` or its rich file, Gradescope top-level `output`). */
  feedbackBytes: 1 * MiB,
  /** Leaderboard entries kept. */
  leaderboardEntries: 100,
  /** Bytes of `extra_data` as JSON; bigger is dropped. */
  extraDataBytes: 1 * MiB,
  /** Levels of nested arrays and objects in a grader's JSON document; deeper is a fault. */
  depth: 64,
  /** Entries kept in `errors` and in `warnings`. */
  messages: 100,
  /** Bytes of the grader's part of the result as JSON (feedback, tests, leaderboard, extra data, messages) once cut; more is a fault. */
  resultBytes: 6 * MiB,
});

/**
 * Applies every cap to a protocol's verdict. Returns it unchanged when nothing is over a cap,
 * a copy with cut fields and warnings, or a `grader-error` verdict when it is still too big.
 */
export function limitInterpretation(verdict: Interpretation): Interpretation {
  const notes: string[] = [];
  let result = verdict;
  if (verdict.status === 'graded') {
    const text = cutFeedback(verdict.feedback.text, notes);
    const tests = cutTests(verdict.tests, notes);
    if (text !== verdict.feedback.text || tests !== verdict.tests) result = { ...verdict, feedback: { ...verdict.feedback, text }, tests };
    if (verdict.extraData !== undefined) {
      const bytes = jsonBytes(verdict.extraData);
      if (bytes > RESULT_LIMITS.extraDataBytes) {
        result = { ...result };
        delete result.extraData;
        notes.push(`extra_data is ${formatSize(bytes)} as JSON; gradebox keeps at most ${formatSize(RESULT_LIMITS.extraDataBytes)}, so it was dropped`);
      }
    }
    const bytes = jsonBytes({ feedback: result.feedback, tests: result.tests, leaderboard: result.leaderboard, extraData: result.extraData });
    if (bytes > RESULT_LIMITS.resultBytes) {
      return capMessages(failed([
        `the result is ${formatSize(bytes)} once normalized, even after cutting long outputs; gradebox stores at most ` +
          `${formatSize(RESULT_LIMITS.resultBytes)} per result (write less per test, or fewer tests)`,
      ], [...verdict.warnings, ...notes]));
    }
  }
  if (notes.length > 0) result = { ...result, warnings: [...result.warnings, ...notes] };
  return capMessages(result);
}

/** Keeps the first `RESULT_LIMITS.messages` errors and warnings, and says how many more there were. */
export function capMessages<T extends { errors: string[]; warnings: string[] }>(value: T): T {
  const max = RESULT_LIMITS.messages;
  if (value.errors.length <= max && value.warnings.length <= max) return value;
  const cap = (list: string[], what: string): string[] =>
    list.length <= max ? list : [...list.slice(0, max), `… and ${list.length - max} more ${what} (only the first ${max} are kept)`];
  return { ...value, errors: cap(value.errors, 'errors'), warnings: cap(value.warnings, 'warnings') };
}

function cutFeedback(text: string, notes: string[]): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= RESULT_LIMITS.feedbackBytes) return text;
  notes.push(`the feedback is ${formatSize(bytes)}; only its first ${formatSize(RESULT_LIMITS.feedbackBytes)} are kept`);
  return cutText(text, RESULT_LIMITS.feedbackBytes, bytes);
}

function cutTests(tests: TestResult[], notes: string[]): TestResult[] {
  let budget = RESULT_LIMITS.testOutputsBytes;
  let names = 0;
  let outputs = 0;
  let overBudget = 0;
  const cut = tests.map((test) => {
    let { name, output } = test;
    if (name.length > RESULT_LIMITS.testNameChars) {
      names++;
      name = `${name.slice(0, RESULT_LIMITS.testNameChars - 1)}…`;
    }
    const bytes = Buffer.byteLength(output);
    const room = Math.min(RESULT_LIMITS.testOutputBytes, budget);
    if (bytes > room) {
      if (room < RESULT_LIMITS.testOutputBytes) overBudget++;
      else outputs++;
      output = cutText(output, room, bytes);
    }
    budget = Math.max(0, budget - Math.min(bytes, room));
    return name === test.name && output === test.output ? test : { ...test, name, output };
  });
  if (names > 0) notes.push(`${plural(names, 'test name')} longer than ${RESULT_LIMITS.testNameChars} characters ${names === 1 ? 'was' : 'were'} cut`);
  if (outputs > 0) notes.push(`${plural(outputs, 'test output')} over ${formatSize(RESULT_LIMITS.testOutputBytes)} ${outputs === 1 ? 'was' : 'were'} cut`);
  if (overBudget > 0) {
    notes.push(`the tests' outputs add up to more than ${formatSize(RESULT_LIMITS.testOutputsBytes)}; ${plural(overBudget, 'later output')} ${overBudget === 1 ? 'was' : 'were'} cut`);
  }
  return names + outputs + overBudget === 0 ? tests : cut;
}

/** The longest start of `text` within `maxBytes` of UTF-8 (never half a character), then a note of what was cut. */
export function cutText(text: string, maxBytes: number, totalBytes = Buffer.byteLength(text)): string {
  if (maxBytes === 0) return `[… ${formatSize(totalBytes)} of output not kept: the tests' outputs together passed gradebox's limit]`;
  const room = new Uint8Array(maxBytes);
  const { read } = new TextEncoder().encodeInto(text, room);
  return `${text.slice(0, read)}\n[… cut: ${formatSize(totalBytes)} in all, the first ${formatSize(maxBytes)} are shown]`;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
