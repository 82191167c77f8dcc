/**
 * Members' pseudonyms per course (docs/course-workflow.md "Leaderboard"): chosen by the student,
 * checked by pseudonym-names.ts, unique in the course by key (the database decides, so two
 * students choosing look-alikes at once cannot both get them); a student who chose none has a
 * random generated one, made the first time it is needed and kept.
 */
import type { DbExecutor } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Conflict, InvalidInput } from './errors.ts';
import type { Actor, Pseudonym } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { generatedPseudonym, pseudonymKey, pseudonymProblem } from './pseudonym-names.ts';

const GENERATE_TRIES = 5;

/** The caller's pseudonym in the course (generated now when they have none). */
export async function getPseudonym(ctx: PlatformContext, actor: Actor, courseId: string): Promise<Pseudonym> {
  requireScope(actor, 'read');
  await requireMember(ctx.db, actor, courseId);
  const [row] = await ensurePseudonyms(ctx.db, courseId, [actor.login], isoNow(ctx));
  return toPseudonym(courseId, actor.login, row!);
}

/**
 * Sets the caller's pseudonym (`null`: back to a generated one). 400 for a name that may not be
 * one; 409 `pseudonym-taken` when another member's pseudonym or login looks the same (the same
 * answer for both, so it tells nobody who is in the course).
 */
export async function setPseudonym(ctx: PlatformContext, actor: Actor, courseId: string, name: unknown): Promise<Pseudonym> {
  requireScope(actor, 'submit');
  await requireMember(ctx.db, actor, courseId);
  if (name === null) {
    await ctx.db.deleteFrom('pseudonyms').where('course_id', '=', courseId).where('login', '=', actor.login).execute();
    return getPseudonym(ctx, actor, courseId);
  }
  const problem = pseudonymProblem(name);
  if (problem !== undefined) throw new InvalidInput(`pseudonym: ${problem}`, { field: 'pseudonym' });
  const pseudonym = (name as string).normalize('NFC');
  const key = pseudonymKey(pseudonym);
  const taken = () => new Conflict('pseudonym-taken', `the pseudonym '${pseudonym}' is taken in ${courseId} (or looks too much like a name that is); choose another`, { pseudonym });
  if (await isAnotherMembersLogin(ctx.db, courseId, actor.login, key)) throw taken();
  const row = { course_id: courseId, login: actor.login, pseudonym, pseudonym_key: key, chosen: 1, set_at: isoNow(ctx) };
  try {
    await ctx.db
      .insertInto('pseudonyms')
      .values(row)
      .onConflict((oc) => oc.columns(['course_id', 'login']).doUpdateSet({ pseudonym, pseudonym_key: key, chosen: 1, set_at: row.set_at }))
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
  return { courseId, login: actor.login, pseudonym, chosen: true };
}

/**
 * The pseudonyms of `logins` (members of the course), in that order, generating the missing ones.
 * A chosen pseudonym that has come to look like another member's login since (that member joined
 * later) is replaced by a generated one, so nobody can pass for them.
 */
export async function ensurePseudonyms(db: DbExecutor, courseId: string, logins: readonly string[], now: string): Promise<Array<{ pseudonym: string; chosen: number }>> {
  const have = await loadPseudonyms(db, courseId);
  const loginKeys = await memberLoginKeys(db, courseId);
  for (const login of logins) {
    const row = have.get(login);
    if (row !== undefined && row.chosen === 1 && loginKeys.some(([other, key]) => other !== login && key === row.pseudonym_key)) {
      // Chosen before a member with a login like it joined: it goes, so nobody can pass for them.
      await db.deleteFrom('pseudonyms').where('course_id', '=', courseId).where('login', '=', login).where('pseudonym_key', '=', row.pseudonym_key).execute();
      have.delete(login);
    }
    if (have.has(login)) continue;
    for (let attempt = 1; attempt <= GENERATE_TRIES && !have.has(login); attempt++) {
      const pseudonym = generatedPseudonym();
      const row = { course_id: courseId, login, pseudonym, pseudonym_key: pseudonymKey(pseudonym), chosen: 0, set_at: now };
      // Another request may generate one at the same time: the first wins, and is read back.
      await db.insertInto('pseudonyms').values(row).onConflict((oc) => oc.doNothing()).execute();
      const stored = await db.selectFrom('pseudonyms').select(['pseudonym', 'pseudonym_key', 'chosen']).where('course_id', '=', courseId).where('login', '=', login).executeTakeFirst();
      if (stored) have.set(login, stored);
    }
    if (!have.has(login)) throw new Error(`could not generate a unique pseudonym for ${courseId}/${login}`);
  }
  return logins.map((login) => {
    const { pseudonym, chosen } = have.get(login)!;
    return { pseudonym, chosen };
  });
}

async function loadPseudonyms(db: DbExecutor, courseId: string): Promise<Map<string, { pseudonym: string; pseudonym_key: string; chosen: number }>> {
  const rows = await db.selectFrom('pseudonyms').select(['login', 'pseudonym', 'pseudonym_key', 'chosen']).where('course_id', '=', courseId).execute();
  return new Map(rows.map((r) => [r.login, r]));
}

async function memberLoginKeys(db: DbExecutor, courseId: string): Promise<Array<[string, string]>> {
  const rows = await db.selectFrom('memberships').select('login').where('course_id', '=', courseId).execute();
  return rows.map((r) => [r.login, pseudonymKey(r.login)]);
}

async function isAnotherMembersLogin(db: DbExecutor, courseId: string, login: string, key: string): Promise<boolean> {
  return (await memberLoginKeys(db, courseId)).some(([other, otherKey]) => other !== login && otherKey === key);
}

/** Members only (admins who are no member have no pseudonym there). */
async function requireMember(db: DbExecutor, actor: Actor, courseId: string): Promise<void> {
  const access = await courseAccess(db, actor, courseId);
  if (access.role === null) throw new InvalidInput(`you are not a member of ${courseId}: pseudonyms are for the course's members`);
}

function toPseudonym(courseId: string, login: string, row: { pseudonym: string; chosen: number }): Pseudonym {
  return { courseId, login, pseudonym: row.pseudonym, chosen: row.chosen === 1 };
}
