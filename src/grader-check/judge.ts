/**
 * How a grader fared on one hostile case: `good` when the student gets a sensible result with a
 * message of the grader's (or gradebox's own refusal, before any grader runs), `bad` with one
 * reason per fault otherwise. The rules are in docs/check-grader.md.
 */
import { formatSeconds } from '../grader/interpret-run.ts';
import type { GradeResult } from '../grader/grade-result.ts';
import { FORGED_FEEDBACK, FORGED_FRACTION, FORGED_POINTS } from './hostile-code.ts';
import { findLeaks, studentVisibleText } from './leaks.ts';

export type Verdict = 'good' | 'bad' | 'skipped';

export interface Judgement {
  verdict: Exclude<Verdict, 'skipped'>;
  /** Why it is bad (empty when good), each a sentence for the author. */
  reasons: string[];
}

export interface JudgeContext {
  caseId: string;
  /** Paths of the case's submitted files: frames and paths of these are the student's own. */
  submissionFiles: readonly string[];
  /** Folders the grader's code lives in (see graderDirsOf). */
  graderDirs: readonly string[];
  /** False when the case holds none of a right submission's work (see fullMarksPossible). */
  fullMarksPossible: boolean;
}

/** What a student sees (feedback, visible tests' names and outputs) past this is a flood the grader passed on. */
export const MAX_USEFUL_FEEDBACK_BYTES = 64 * 1024;

export function judge(result: GradeResult, context: JudgeContext): Judgement {
  const bad = (...reasons: string[]): Judgement => ({ verdict: 'bad', reasons });
  const firstError = result.errors[0] === undefined ? '' : `: ${result.errors[0]}`;
  switch (result.status) {
    case 'not-gradable':
      // gradebox refused the submission before any grader ran, with its own message to the student.
      return { verdict: 'good', reasons: [] };
    case 'grader-error':
      return bad(`the grader crashed or wrote no valid result, so the student only learns that grading failed${firstError}`);
    case 'timeout':
      return bad(`the whole grading hit the time limit (${formatSeconds(result.limits.timeoutSeconds)}): the grader does not stop the submission's code itself (run it with a timeout of its own, kill what it started, and report)`);
    case 'out-of-memory':
      return bad(`the whole grading hit the memory limit (${result.limits.memoryMiB} MiB), so no result of the grader's was kept: limit the submission's memory below the grader's (ulimit -v, resource.setrlimit, java -Xmx) and report`);
    case 'output-limit':
      return bad("the grading was stopped for printing too much: the grader passes the submission's output on to its own stdout or stderr; capture it and keep an excerpt");
    case 'graded':
      break;
  }
  const reasons: string[] = [];
  if (context.caseId === 'forged-result' && isForged(result)) {
    reasons.push("the grader took the submission's forged result as the grade: it reads its result from a place the submission can write (or passes the submission's stdout on as its own)");
  }
  if (!context.fullMarksPossible && result.score === 1) {
    reasons.push("the student gets full marks for a submission that holds none of a right one's work: the grader does not check what it grades (an exit code of 0, or output it never compares)");
  }
  const visible = studentVisibleText(result);
  if (visible.every((text) => text.trim() === '')) reasons.push('the student gets a score with no message at all (empty feedback, no visible tests)');
  const visibleBytes = visible.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (visibleBytes > MAX_USEFUL_FEEDBACK_BYTES) {
    reasons.push(`the student gets ${Math.round(visibleBytes / 1024)} KiB of feedback and test output: the grader copies the submission's output (or files) into it without a cap`);
  }
  for (const leak of findLeaks(visible, context.submissionFiles, context.graderDirs)) reasons.push(`a student would see ${leak}`);
  return reasons.length === 0 ? { verdict: 'good', reasons } : bad(...reasons);
}

function isForged(result: GradeResult): boolean {
  if (result.feedback.text.trim() === FORGED_FEEDBACK) return true;
  if (result.score !== null && Math.abs(result.score - FORGED_FRACTION) < 1e-9) return true;
  return result.points !== null && result.points.earned === FORGED_POINTS;
}
