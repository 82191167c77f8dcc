import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Which token minted each token a user issued for themselves. Such a token is bounded by the one
 * that made it (no later expiry, no more scopes) and is revoked with it; the index finds a
 * token's descendants when it is revoked. Tokens an administrator issues for someone else, and
 * the first admin token, have none.
 */
export const tokensLineageMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('api_tokens').addColumn('parent_id', 'text').execute();
    await db.schema.createIndex('api_tokens_parent_idx').on('api_tokens').column('parent_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('api_tokens_parent_idx').execute();
    await db.schema.alterTable('api_tokens').dropColumn('parent_id').execute();
  },
};
