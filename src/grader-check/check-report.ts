/** What `gradebox check-grader` reports, locally and against a server alike. */
import type { GradeResult } from '../grader/grade-result.ts';
import { HOSTILE_CASES, HOSTILE_CASE_IDS, type HostileCase } from './hostile-cases.ts';
import { judge, type Verdict } from './judge.ts';
import { CONVENTIONAL_GRADER_DIRS } from './leaks.ts';

export interface CaseReport {
  id: string;
  title: string;
  /** What a grader should do with the case. */
  expect: string;
  verdict: Verdict;
  /** Why it is bad, or why it was skipped; empty when good. */
  reasons: string[];
  /** The grading (the full result, as staff see it); null when skipped. */
  result: GradeResult | null;
  /** `--remote`: the author-test submission that carried the case. */
  submissionId?: string;
}

export interface CheckSummary {
  good: number;
  bad: number;
  skipped: number;
  /** No case was bad: the exit code is 0. */
  allHandled: boolean;
}

export function summarize(cases: readonly CaseReport[]): CheckSummary {
  const count = (verdict: Verdict): number => cases.filter((c) => c.verdict === verdict).length;
  return { good: count('good'), bad: count('bad'), skipped: count('skipped'), allHandled: count('bad') === 0 };
}

/** A `--case` that names no case. */
export class UnknownCaseError extends Error {
  override name = 'UnknownCaseError';
}

/** The cases `ids` names, in the catalogue's order; every case when none are named. */
export function selectCases(ids: readonly string[] | undefined): HostileCase[] {
  if (ids === undefined || ids.length === 0) return [...HOSTILE_CASES];
  const unknown = ids.filter((id) => !HOSTILE_CASE_IDS.includes(id));
  if (unknown.length > 0) throw new UnknownCaseError(`no check case ${unknown.map((id) => `"${id}"`).join(', ')}; the cases are ${HOSTILE_CASE_IDS.join(', ')}`);
  return HOSTILE_CASES.filter((c) => ids.includes(c.id));
}

export function skipped(hostile: HostileCase, why: string): CaseReport {
  return { id: hostile.id, title: hostile.title, expect: hostile.expect, verdict: 'skipped', reasons: [why], result: null };
}

/** How a hostile case went on a server: refused by its intake, or graded (the full result, staff's view; null when not available). */
export type CaseRun =
  | { refused: { status: number; message: string } }
  | { submissionId: string; result: GradeResult | null; submissionFiles: readonly string[]; fullMarksPossible: boolean };

/**
 * The report of one case run on a server as an author test: the same judgement for `check-grader
 * --remote` (over HTTP) and the web page's check (src/grader-check/server-check.ts).
 */
export function reportCase(hostile: HostileCase, run: CaseRun): CaseReport {
  if ('refused' in run) return skipped(hostile, `the server's intake refused it, so no student can submit it either: ${run.refused.message} (HTTP ${run.refused.status})`);
  if (run.result === null) return { ...skipped(hostile, 'the server gave no full result (a token without staff rights?)'), submissionId: run.submissionId };
  const judged = judge(run.result, {
    caseId: hostile.id,
    submissionFiles: run.submissionFiles,
    graderDirs: CONVENTIONAL_GRADER_DIRS,
    fullMarksPossible: run.fullMarksPossible,
  });
  return { id: hostile.id, title: hostile.title, expect: hostile.expect, ...judged, result: run.result, submissionId: run.submissionId };
}
