/**
 * Every migration, by name; names sort in the order they run. Add `0002-….ts` next to
 * `0001-initial.ts` and list it here — never edit one that has shipped.
 */
import type { Migration, MigrationProvider } from 'kysely/migration';
import { initialMigration } from './0001-initial.ts';
import { courseImagesMigration } from './0002-course-images.ts';
import { graderRunAsMigration } from './0003-grader-run-as.ts';
import { tokensLineageMigration } from './0004-tokens-lineage.ts';
import { resultsCompressedMigration } from './0005-results-compressed.ts';
import { fairQueueMigration } from './0006-fair-queue-owners-and-limits.ts';
import { graderScriptMigration } from './0007-grader-script.ts';
import { completionGradesMigration } from './0008-completion-grades.ts';
import { latePolicyMigration } from './0009-late-policy.ts';
import { autogradeGradersMigration } from './0010-autograde-graders.ts';
import { gradebookMigration } from './0011-gradebook.ts';
import { regradesMigration } from './0012-regrades.ts';
import { goldenMigration } from './0014-golden.ts';
import { leaderboardMigration } from './0015-leaderboard.ts';
import { releaseScheduleMigration } from './0016-release-schedule.ts';
import { webSessionsMigration } from './0017-web-sessions.ts';
import { autogradeTestsMigration } from './0018-autograde-tests.ts';
import { robustnessCasesMigration } from './0019-robustness-cases.ts';
import { queueWorkersMigration } from './0020-queue-workers.ts';
import { jobWorkerMigration } from './0021-job-worker.ts';

const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initialMigration,
  '0002-course-images': courseImagesMigration,
  '0003-grader-run-as': graderRunAsMigration,
  '0004-tokens-lineage': tokensLineageMigration,
  '0005-results-compressed': resultsCompressedMigration,
  '0006-fair-queue-owners-and-limits': fairQueueMigration,
  '0007-grader-script': graderScriptMigration,
  '0008-completion-grades': completionGradesMigration,
  '0009-late-policy': latePolicyMigration,
  '0010-autograde-graders': autogradeGradersMigration,
  '0011-gradebook': gradebookMigration,
  '0012-regrades': regradesMigration,
  '0014-golden': goldenMigration,
  '0015-leaderboard': leaderboardMigration,
  '0016-release-schedule': releaseScheduleMigration,
  '0017-web-sessions': webSessionsMigration,
  '0018-autograde-tests': autogradeTestsMigration,
  '0019-robustness-cases': robustnessCasesMigration,
  '0020-queue-workers': queueWorkersMigration,
  '0021-job-worker': jobWorkerMigration,
});

/** Kysely's Migrator reads migrations from here (in code: nothing to find on disk at run time). */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
