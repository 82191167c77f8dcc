/**
 * An assignment's hard cutoff: after it (moved by the student's extension) a student's submission
 * is refused, like one over the submission limits: checked before the files are received and
 * again in the submission's transaction. Staff are exempt.
 */
import type { DbExecutor } from '../db/database.ts';
import { Conflict } from './errors.ts';
import { lateAdjustment } from './late-policy.ts';
import { loadLateRule } from './late-rule.ts';

/** Throws Conflict `past-cutoff` (409) when `login` submits to the assignment after their cutoff. */
export async function checkCutoff(db: DbExecutor, who: { courseId: string; assignmentId: string; login: string }, now: Date): Promise<void> {
  const rule = await loadLateRule(db, who.courseId, who.assignmentId, who.login);
  if (rule.cutoff === null) return;
  const adjustment = lateAdjustment(rule, now);
  if (!adjustment.refused) return;
  const cutoff = adjustment.cutoff?.toISOString() ?? '';
  const extended = rule.extendedTo !== null && adjustment.cutoff?.getTime() !== rule.cutoff.getTime();
  throw new Conflict(
    'past-cutoff',
    `${who.assignmentId} stopped accepting submissions at ${cutoff}${extended ? ' (your cutoff, moved by your extension)' : ''}; ask your instructors for an extension if you need one`,
    { cutoff, deadline: adjustment.deadline?.toISOString() ?? null, extendedTo: rule.extendedTo?.toISOString() ?? null },
  );
}
