/**
 * Where a student stands on an assignment's late rules now: before a late submission the API
 * tells them which penalty it would get, and whether it would be refused.
 */
import type { PlatformContext } from './context.ts';
import { Forbidden } from './errors.ts';
import { lateAdjustment, type LateRule } from './late-policy.ts';
import { loadLateRule } from './late-rule.ts';
import type { Actor, LateStatus } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** The status of `rule` for `login` at `at`, as the API returns it. */
export function lateStatusOf(rule: LateRule, where: { courseId: string; assignmentId: string; login: string }, at: Date): LateStatus {
  const adjustment = lateAdjustment(rule, at);
  return {
    ...where,
    at: at.toISOString(),
    deadline: iso(rule.deadline),
    extendedTo: iso(rule.extendedTo),
    dueAt: iso(adjustment.deadline),
    cutoff: iso(adjustment.cutoff),
    latePolicy: rule.policy,
    secondsLate: adjustment.secondsLate,
    factor: adjustment.factor,
    rule: adjustment.rule,
    refused: adjustment.refused,
  };
}

/** The caller's own status; staff may ask for any member's (`login`), students only for their own. */
export async function getLateStatus(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, login?: string): Promise<LateStatus> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  const who = login ?? actor.login;
  if (who !== actor.login && !access.staff) throw new Forbidden(`students see only their own late status; leave out login (or ask for ${actor.login})`);
  const rule = await loadLateRule(ctx.db, courseId, assignmentId, who);
  return lateStatusOf(rule, { courseId, assignmentId, login: who }, ctx.now());
}
