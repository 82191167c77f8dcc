import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `queue_workers`: the workers that take jobs from the queue, with their slots and capacity, as
 * each announces itself at start and every few seconds while it runs (`seen_at`), and removes
 * itself when it stops. Read by the queue dashboard beside the leases the workers hold; a worker
 * that died stays until it is not seen for long enough to be left out.
 */
export const queueWorkersMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('queue_workers')
      .addColumn('worker_id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('slots', 'integer', (c) => c.notNull())
      .addColumn('cpus', 'double precision', (c) => c.notNull())
      .addColumn('memory_mib', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('seen_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('queue_workers').execute();
  },
};
