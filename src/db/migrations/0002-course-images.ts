import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Which course each grader image was uploaded to. Image ids are content digests anyone can
 * compute; without this record, staff of one course could name another course's image in a draft
 * of their own and then download it, hidden tests and all.
 */
export const courseImagesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('course_images')
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
      .addColumn('image_id', 'text', (c) => c.notNull())
      .addColumn('uploaded_by', 'text', (c) => c.notNull())
      .addColumn('uploaded_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('course_images_pk', ['course_id', 'image_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('course_images').execute();
  },
};
