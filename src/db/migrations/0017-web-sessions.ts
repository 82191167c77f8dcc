import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Sign-in for the web interface (docs/web.md):
 * - `user_passwords`: one memory-hard (scrypt) password hash per user, set by an admin or by the
 *   user through an invitation;
 * - `web_sessions`: a browser's session, stored by the SHA-256 of its random id (the cookie holds
 *   the id, the database only its hash), with the CSRF token bound to it and its expiry;
 * - `invitations`: one-time, expiring links that let a user set their password, stored hashed.
 */
export const webSessionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('user_passwords')
      .addColumn('login', 'text', (c) => c.primaryKey().references('users.login').onDelete('cascade'))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('web_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('login', 'text', (c) => c.notNull().references('users.login').onDelete('cascade'))
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('web_sessions_login_idx').on('web_sessions').column('login').execute();
    await db.schema
      .createTable('invitations')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('login', 'text', (c) => c.notNull().references('users.login').onDelete('cascade'))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('invitations_login_idx').on('invitations').column('login').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('invitations').execute();
    await db.schema.dropTable('web_sessions').execute();
    await db.schema.dropTable('user_passwords').execute();
  },
};
