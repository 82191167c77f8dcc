import type { PlatformContext } from './context.ts';
import { Forbidden } from './errors.ts';
import type { Actor } from './model.ts';
import { hasScope } from './permissions.ts';
import { getSubmissionJson, type SubmissionJson } from './submission-reads.ts';

/**
 * The submission whose files the caller may download: their own, or (staff, who may read it) with
 * the `author` scope. Moved here from the archive route so that the web pages and the API apply
 * the same rule.
 */
export async function getSubmissionForDownload(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<SubmissionJson> {
  const submission = await getSubmissionJson(ctx, actor, submissionId);
  if (actor.login !== submission.login && !hasScope(actor, 'author')) {
    throw new Forbidden("downloading another user's submission needs a token with the `author` scope");
  }
  return submission;
}
