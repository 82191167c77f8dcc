/**
 * The one rule for which grading jobs count: a dry run's shadow jobs (grading_jobs.shadow = 1,
 * src/platform/regrades.ts) are invisible to every reader of a submission's "newest job per part"
 * — its status, views, parts' points, grades, submission limits — until `apply` makes them
 * official. Every such reader adds this condition to its `grading_jobs` query.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** `alias.shadow = 0`: the job is official (`alias` the query's name for grading_jobs). */
export function officialJob(alias = 'grading_jobs'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${alias}.shadow`)} = 0`;
}
