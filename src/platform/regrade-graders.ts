/**
 * Which grader version a regrade runs on each part, and the graders' state a dry run's apply
 * checks against (regrade-close.ts): each part's published version and newest draft.
 */
import type { DbExecutor } from '../db/database.ts';
import { Conflict, NotFound } from './errors.ts';
import type { RegradeGrader } from './regrade-model.ts';

export interface ChosenVersion {
  partId: string;
  id: string;
  cpus: number;
  memoryMiB: number;
}

/** Per part: the published version's id and the newest draft's id (null: none). */
export interface GraderBasis {
  published: Record<string, string | null>;
  drafts: Record<string, string | null>;
}

async function versionRows(db: DbExecutor, courseId: string, assignmentId: string, partIds: readonly string[]) {
  return db
    .selectFrom('grader_versions')
    .select(['id', 'part_id', 'number', 'status', 'cpus', 'memory_mib'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('part_id', 'in', partIds.length > 0 ? [...partIds] : [''])
    .orderBy('part_id')
    .orderBy('number', 'desc')
    .execute();
}

/** The graders' state of these parts now. */
export async function graderBasis(db: DbExecutor, courseId: string, assignmentId: string, partIds: readonly string[]): Promise<GraderBasis> {
  const rows = await versionRows(db, courseId, assignmentId, partIds);
  const basis: GraderBasis = { published: {}, drafts: {} };
  for (const partId of partIds) {
    const mine = rows.filter((r) => r.part_id === partId);
    basis.published[partId] = mine.find((r) => r.status === 'published')?.id ?? null;
    basis.drafts[partId] = mine.find((r) => r.status === 'draft')?.id ?? null;
  }
  return basis;
}

/**
 * The version each part runs. Parts named by the caller (`explicit`) must have one (404 for a
 * missing draft or version, 409 for a part with no published grader); otherwise parts without
 * one are left out.
 */
export async function chooseVersions(db: DbExecutor, courseId: string, assignmentId: string, partIds: readonly string[], grader: RegradeGrader, explicit: boolean): Promise<ChosenVersion[]> {
  const rows = await versionRows(db, courseId, assignmentId, partIds);
  const chosen: ChosenVersion[] = [];
  for (const partId of partIds) {
    const mine = rows.filter((r) => r.part_id === partId);
    const row =
      grader.kind === 'published' ? mine.find((r) => r.status === 'published') : grader.kind === 'draft' ? mine.find((r) => r.status === 'draft') : mine.find((r) => r.number === grader.number);
    if (row) {
      chosen.push({ partId, id: row.id, cpus: row.cpus, memoryMiB: row.memory_mib });
      continue;
    }
    if (!explicit) continue;
    const where = `${courseId}/${assignmentId}/${partId}`;
    if (grader.kind === 'version') throw new NotFound(`no grader version ${grader.number} of ${where} (gradebox versions lists them)`);
    if (grader.kind === 'draft') throw new NotFound(`no grader draft of ${where}: upload one first (gradebox upload)`);
    throw new Conflict('no-published-grader', `${where} has no published grader to regrade with: publish one, or name a version (--version N) or the draft (--draft)`);
  }
  if (chosen.length === 0) {
    const which = grader.kind === 'version' ? `version ${grader.number}` : grader.kind === 'draft' ? 'draft' : 'published grader';
    if (grader.kind === 'published') throw new Conflict('nothing-to-regrade', `no part of ${courseId}/${assignmentId} has a ${which}: nothing to regrade`);
    throw new NotFound(`no part of ${courseId}/${assignmentId} has a grader ${which}`);
  }
  return chosen;
}
