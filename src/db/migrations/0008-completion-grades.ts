import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Completion and assignment grades (docs/course-workflow.md):
 * - an assignment's trigger (`submit` or `completion`), part feedback (`immediate` or
 *   `on-completion`), completion time (`complete_at`) and autograde method;
 * - `completions`: one row per student whose assignment is completed (who, when, how, and the
 *   submission it froze); the primary key is what makes each completion happen once, whichever
 *   server or path gets there first;
 * - `completion_schedules`: an assignment's `complete_at` as a durable action, claimed with a
 *   lease by one server at a time and marked done once every student was completed;
 * - `assignment_grades`: each student's stored raw grade (0–100) with the submission it came
 *   from and the time lateness is measured at; the late penalty is derived when it is read.
 */
export const completionGradesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('assignments').addColumn('trigger', 'text', (c) => c.notNull().defaultTo('submit')).execute();
    await db.schema.alterTable('assignments').addColumn('part_feedback', 'text', (c) => c.notNull().defaultTo('immediate')).execute();
    await db.schema.alterTable('assignments').addColumn('complete_at', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('autograde', 'text', (c) => c.notNull().defaultTo('aggregate')).execute();

    await db.schema
      .createTable('completions')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull().references('users.login'))
      .addColumn('completed_at', 'text', (c) => c.notNull())
      .addColumn('completed_by', 'text', (c) => c.notNull())
      .addColumn('how', 'text', (c) => c.notNull())
      // Null: the student had submitted nothing (a stored "no submission" grade of 0).
      .addColumn('submission_id', 'text', (c) => c.references('submissions.id'))
      .addPrimaryKeyConstraint('completions_pk', ['course_id', 'assignment_id', 'login'])
      .addForeignKeyConstraint('completions_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();

    await db.schema
      .createTable('completion_schedules')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('leased_by', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('done_at', 'text')
      .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('completion_schedules_pk', ['course_id', 'assignment_id'])
      .addForeignKeyConstraint('completion_schedules_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('completion_schedules_due_idx').on('completion_schedules').columns(['done_at', 'due_at']).execute();

    await db.schema
      .createTable('assignment_grades')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull().references('users.login'))
      .addColumn('submission_id', 'text', (c) => c.references('submissions.id'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('raw_grade', 'double precision')
      .addColumn('detail', 'text')
      .addColumn('counts_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('assignment_grades_pk', ['course_id', 'assignment_id', 'login'])
      .addForeignKeyConstraint('assignment_grades_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    // Finding the grade a part result belongs to.
    await db.schema.createIndex('assignment_grades_submission_idx').on('assignment_grades').column('submission_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('assignment_grades').execute();
    await db.schema.dropTable('completion_schedules').execute();
    await db.schema.dropTable('completions').execute();
    for (const column of ['autograde', 'complete_at', 'part_feedback', 'trigger']) await db.schema.alterTable('assignments').dropColumn(column).execute();
  },
};
