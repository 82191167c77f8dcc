/**
 * The goldens' rule for `publish`, checked inside its transaction: every golden must have been
 * graded by each draft being published (409 `goldens-not-graded`, saying what to run), and get
 * what it expects (409 `golden-changed`, listing the differences) unless the change is accepted,
 * which makes the new results the expectations (recorded who and when).
 */
import type { DbTransaction } from '../db/database.ts';
import { Conflict } from './errors.ts';
import { checkGoldens, describeOutcome, type DraftRow } from './golden-check.ts';
import { goldenRows } from './golden.ts';
import type { GoldenDraftCheck } from './model.ts';

export interface GoldenPublishCheck {
  /** Goldens of the assignment. */
  checked: number;
  /** The changed results accepted (empty unless acceptChanges). */
  accepted: GoldenDraftCheck[];
}

export interface GoldenRule {
  courseId: string;
  assignmentId: string;
  /** The drafts being published, one per part. */
  drafts: readonly DraftRow[];
  acceptChanges: boolean;
  by: string;
  at: string;
}

const MAX_LISTED = 20;

export async function enforceGoldens(tx: DbTransaction, rule: GoldenRule): Promise<GoldenPublishCheck> {
  const goldens = await goldenRows(tx, rule.courseId, rule.assignmentId);
  const checks = await checkGoldens(tx, goldens, rule.drafts);
  const where = `${rule.courseId}/${rule.assignmentId}`;
  const waiting = checks.filter((c) => c.state === 'not-run' || c.state === 'grading');
  if (waiting.length > 0) {
    const notRun = waiting.some((c) => c.state === 'not-run');
    const next = notRun
      ? `run them first: gradebox golden run ${rule.courseId} ${rule.assignmentId} (gradebox publish does it for you), then publish again`
      : 'wait for their grading to finish, then publish again';
    throw new Conflict('goldens-not-graded', `${waiting.length} golden ${waiting.length === 1 ? 'check is' : 'checks are'} not graded by the drafts of ${where} yet: ${list(waiting, (c) => `${c.label} ${c.partId} v${c.graderNumber} (${c.state})`)}; ${next}`, {
      pending: waiting.map(brief),
    });
  }
  const changed = checks.filter((c) => c.state === 'changed');
  if (changed.length > 0 && !rule.acceptChanges) {
    throw new Conflict(
      'golden-changed',
      `publishing would change ${changed.length} golden ${changed.length === 1 ? 'result' : 'results'} of ${where}: ${list(changed, (c) => `${c.label} ${c.partId}: expected ${describeOutcome(c.expected)}, got ${describeOutcome(c.got)} with v${c.graderNumber}${c.changedTests.length > 0 ? ` (tests changed: ${c.changedTests.join(', ')})` : ''}`)}; fix the draft, or accept the new results (gradebox publish --accept-changes, or acceptChanges: true)`,
      { changes: changed.map(brief) },
    );
  }
  for (const check of changed) {
    await tx
      .insertInto('golden_expectations')
      .values({ golden_id: check.goldenId, course_id: rule.courseId, assignment_id: rule.assignmentId, part_id: check.partId, status: check.got!.status, points: check.got!.points, how: 'accepted', set_by: rule.by, set_at: rule.at })
      .onConflict((oc) => oc.columns(['golden_id', 'part_id']).doUpdateSet({ status: check.got!.status, points: check.got!.points, how: 'accepted', set_by: rule.by, set_at: rule.at }))
      .execute();
  }
  return { checked: goldens.length, accepted: changed };
}

function brief(check: GoldenDraftCheck): Record<string, unknown> {
  return {
    goldenId: check.goldenId,
    label: check.label,
    partId: check.partId,
    graderVersionId: check.graderVersionId,
    graderNumber: check.graderNumber,
    state: check.state,
    expected: check.expected,
    got: check.got,
    runSubmissionId: check.runSubmissionId,
    changedTests: check.changedTests,
  };
}

function list(checks: readonly GoldenDraftCheck[], line: (c: GoldenDraftCheck) => string): string {
  const shown = checks.slice(0, MAX_LISTED).map(line).join('; ');
  return checks.length > MAX_LISTED ? `${shown}; and ${checks.length - MAX_LISTED} more` : shown;
}
