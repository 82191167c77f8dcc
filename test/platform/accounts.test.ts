import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated } from '../../src/platform/errors.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { MAX_TOKENS_PER_USER } from '../../src/platform/model.ts';
import { KEPT_DEAD_TOKENS_PER_USER } from '../../src/platform/tokens.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import type { Db } from '../../src/db/database.ts';
import { useHarness, type Harness } from './helpers.ts';

/** A second platform over another connection to the same database, on the same clock. */
function harnessOver(db: Db, clock: Harness['clock']): Platform {
  const now = (): Date => clock.now;
  return createPlatform({ db, queue: new SqlJobQueue(db, { now }), events: new SubmissionEvents(), now });
}

describe.each(databases)('accounts and tokens on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('bootstraps the admin once, with every scope', async () => {
    expect(h.admin).toMatchObject({ login: 'admin', isAdmin: true, scopes: ['read', 'submit', 'author', 'manage'] });
    expect(await h.platform.bootstrapAdmin()).toBeUndefined();
    const me = await h.platform.whoami(h.admin);
    expect(me.user).toMatchObject({ login: 'admin', isAdmin: true });
    expect(me.courses).toEqual([]);
  });

  it('stores only the SHA-256 of a token', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const issued = await h.platform.issueToken(h.admin, { login: 'sam', name: 'laptop', scopes: ['read', 'submit'] });
    expect(issued.token).toMatch(/^gbx_[A-Za-z0-9_-]{43}$/);
    expect(issued.id).toMatch(/^tok_/);
    const rows = await t.db.selectFrom('api_tokens').selectAll().where('id', '=', issued.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(issued.token.slice(4));
    const listed = await h.platform.listTokens(h.admin, 'sam');
    expect(listed).toEqual([
      { id: issued.id, login: 'sam', name: 'laptop', scopes: ['read', 'submit'], createdAt: issued.createdAt, expiresAt: null, lastUsedAt: null, revokedAt: null, parentId: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
  });

  it('authenticates a token, and refuses unknown, malformed, revoked and expired ones with 401', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const issued = await h.platform.issueToken(h.admin, { login: 'sam', name: 'cli', scopes: ['read'], expiresInDays: 1 });
    await expect(h.platform.authenticate(issued.token)).resolves.toEqual({ login: 'sam', isAdmin: false, scopes: ['read'], tokenId: issued.id });
    await expect(h.platform.authenticate(`${issued.token.slice(0, -2)}xx`)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(h.platform.authenticate('Bearer nonsense')).rejects.toBeInstanceOf(Unauthenticated);
    h.clock.advance(24 * 60 * 60 * 1000);
    await expect(h.platform.authenticate(issued.token)).rejects.toThrow(/expired/);

    const other = await h.platform.issueToken(h.admin, { login: 'sam', name: 'other', scopes: ['read'] });
    const sam = await h.platform.authenticate(other.token);
    await h.platform.revokeToken(sam, other.id);
    const error = await h.platform.authenticate(other.token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Unauthenticated);
    expect((error as Unauthenticated).status).toBe(401);
    expect((error as Error).message).toMatch(/revoked/);
  });

  it('records the last use at most once a minute', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const issued = await h.platform.issueToken(h.admin, { login: 'sam', name: 'cli', scopes: ['read'] });
    const lastUsed = async () => (await h.platform.listTokens(h.admin, 'sam'))[0]!.lastUsedAt;
    await h.platform.authenticate(issued.token);
    const first = await lastUsed();
    expect(first).toBe(h.clock.now.toISOString());
    h.clock.advance(30_000);
    await h.platform.authenticate(issued.token);
    expect(await lastUsed()).toBe(first);
    h.clock.advance(30_000);
    await h.platform.authenticate(issued.token);
    expect(await lastUsed()).toBe(h.clock.now.toISOString());
  });

  it('lets users issue tokens for themselves with at most their own scopes', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const sam = await h.actor('sam', ['read', 'submit']);
    const mine = await h.platform.issueToken(sam, { login: 'sam', name: 'ci', scopes: ['read'] });
    expect(mine.scopes).toEqual(['read']);
    await expect(h.platform.issueToken(sam, { login: 'sam', name: 'more', scopes: ['read', 'manage'] })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.issueToken(sam, { login: 'admin', name: 'steal', scopes: ['read'] })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.listTokens(sam, 'admin')).rejects.toBeInstanceOf(Forbidden);
    expect((await h.platform.listTokens(sam, 'sam')).map((tok) => tok.name).sort()).toEqual(['ci', 'test']);
  });

  it('a token minted with a token expires no later than its parent, and stops working with it', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const daily = await h.platform.issueToken(h.admin, { login: 'sam', name: 'one day', scopes: ['read', 'submit'], expiresInDays: 1 });
    const sam = await h.platform.authenticate(daily.token);
    const forever = await h.platform.issueToken(sam, { login: 'sam', name: 'forever?', scopes: ['read'] });
    const longer = await h.platform.issueToken(sam, { login: 'sam', name: 'a year?', scopes: ['read'], expiresInDays: 365 });
    const shorter = await h.platform.issueToken(sam, { login: 'sam', name: 'an hour less', scopes: ['read'], expiresInDays: 1 });
    for (const child of [forever, longer]) expect(child).toMatchObject({ expiresAt: daily.expiresAt, parentId: daily.id });
    expect(shorter.expiresAt! <= daily.expiresAt!).toBe(true);
    // A grandchild is bounded by the whole line.
    const grandchild = await h.platform.issueToken(await h.platform.authenticate(forever.token), { login: 'sam', name: 'deeper', scopes: ['read'] });
    expect(grandchild).toMatchObject({ expiresAt: daily.expiresAt, parentId: forever.id });

    h.clock.advance(24 * 60 * 60 * 1000);
    for (const token of [daily, forever, longer, shorter, grandchild]) {
      await expect(h.platform.authenticate(token.token), token.name).rejects.toThrow(/expired/);
    }
  });

  it('a token minted with a token has no more scopes, for admins too', async () => {
    const readOnly = await h.actor('admin', ['read']);
    await expect(h.platform.issueToken(readOnly, { login: 'admin', name: 'wider', scopes: ['read', 'manage'] })).rejects.toThrow(/at most your current token's scopes \(read\)/);
    // An admin's manage scope stands for submit and author: asking for them asks for no more.
    const manager = await h.actor('admin', ['read', 'manage']);
    const minted = await h.platform.issueToken(manager, { login: 'admin', name: 'author', scopes: ['read', 'author'] });
    expect(minted).toMatchObject({ scopes: ['read', 'author'], parentId: manager.tokenId });
    // Issuing for someone else is an admin's grant, not a child of the admin's token.
    await h.platform.createUser(h.admin, { login: 'sam' });
    expect(await h.platform.issueToken(manager, { login: 'sam', name: 'granted', scopes: ['read', 'submit'] })).toMatchObject({ parentId: null });
  });

  it('revoking a token revokes every token minted from it, at any depth, and nothing else', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const root = await h.platform.issueToken(h.admin, { login: 'sam', name: 'root', scopes: ['read', 'submit'] });
    const other = await h.platform.issueToken(h.admin, { login: 'sam', name: 'other', scopes: ['read'] });
    const child = await h.platform.issueToken(await h.platform.authenticate(root.token), { login: 'sam', name: 'child', scopes: ['read'] });
    const grandchild = await h.platform.issueToken(await h.platform.authenticate(child.token), { login: 'sam', name: 'grandchild', scopes: ['read'] });
    const sibling = await h.platform.issueToken(await h.platform.authenticate(other.token), { login: 'sam', name: 'sibling', scopes: ['read'] });

    await h.platform.revokeToken(await h.platform.authenticate(other.token), root.id);
    for (const token of [root, child, grandchild]) await expect(h.platform.authenticate(token.token), token.name).rejects.toThrow(/revoked/);
    for (const token of [other, sibling]) await expect(h.platform.authenticate(token.token), token.name).resolves.toMatchObject({ login: 'sam' });
    const listed = new Map((await h.platform.listTokens(h.admin, 'sam')).map((tok) => [tok.name, tok]));
    for (const name of ['root', 'child', 'grandchild']) expect(listed.get(name)?.revokedAt, name).not.toBeNull();
    for (const name of ['other', 'sibling']) expect(listed.get(name)?.revokedAt, name).toBeNull();
  });

  it('revoking a user\'s tokens cuts them off, minted ones included; only admins may for others', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    await h.platform.createUser(h.admin, { login: 'sue' });
    const first = await h.platform.issueToken(h.admin, { login: 'sam', name: 'a', scopes: ['read', 'submit'] });
    const second = await h.platform.issueToken(h.admin, { login: 'sam', name: 'b', scopes: ['read'] });
    const minted = await h.platform.issueToken(await h.platform.authenticate(first.token), { login: 'sam', name: 'c', scopes: ['read'] });
    const sue = await h.actor('sue', ['read']);
    await expect(h.platform.revokeUserTokens(sue, 'sam')).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.revokeUserTokens(h.admin, 'ghost')).rejects.toBeInstanceOf(NotFound);
    expect(await h.platform.revokeUserTokens(h.admin, 'sam')).toBe(3);
    for (const token of [first, second, minted]) await expect(h.platform.authenticate(token.token)).rejects.toThrow(/revoked/);
    expect(await h.platform.revokeUserTokens(h.admin, 'sam')).toBe(0);
    await expect(h.platform.authenticate((await h.platform.issueToken(h.admin, { login: 'sue', name: 'x', scopes: ['read'] })).token)).resolves.toMatchObject({ login: 'sue' });
    // Users may cut themselves off (a leaked laptop), with any scope.
    expect(await h.platform.revokeUserTokens(sue, 'sue')).toBe(2);
    expect((await h.platform.listTokens(h.admin, 'sue')).every((tok) => tok.revokedAt !== null)).toBe(true);
  });

  it(`caps a user's usable tokens at ${MAX_TOKENS_PER_USER}; revoked and expired ones make room and are pruned`, async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const issued = [];
    for (let i = 0; i < MAX_TOKENS_PER_USER; i++) issued.push(await h.platform.issueToken(h.admin, { login: 'sam', name: `t${i}`, scopes: ['read'], expiresInDays: 1 + (i % 2) }));
    const refused = await h.platform.issueToken(h.admin, { login: 'sam', name: 'one more', scopes: ['read'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({ code: 'too-many-tokens', status: 409, details: { max: MAX_TOKENS_PER_USER } });
    // Nor can the user mint past it with a token of their own.
    const sam = await h.platform.authenticate(issued[0]!.token);
    await expect(h.platform.issueToken(sam, { login: 'sam', name: 'sneaky', scopes: ['read'] })).rejects.toMatchObject({ code: 'too-many-tokens' });

    await h.platform.revokeToken(h.admin, issued[1]!.id);
    await h.platform.issueToken(h.admin, { login: 'sam', name: 'after a revocation', scopes: ['read'] });
    await expect(h.platform.issueToken(h.admin, { login: 'sam', name: 'again', scopes: ['read'] })).rejects.toMatchObject({ code: 'too-many-tokens' });
    // The one-day half expires: room for as many again.
    h.clock.advance(24 * 60 * 60 * 1000 + 1);
    for (let i = 0; i < MAX_TOKENS_PER_USER / 2 - 1; i++) await h.platform.issueToken(h.admin, { login: 'sam', name: `later${i}`, scopes: ['read'] });
    // Churning through tokens does not grow the table without bound: the oldest dead ones go.
    for (let round = 0; round < 3; round++) {
      for (const tok of (await h.platform.listTokens(h.admin, 'sam')).filter((t) => t.revokedAt === null).slice(0, 20)) await h.platform.revokeToken(h.admin, tok.id);
      for (let i = 0; i < 20; i++) await h.platform.issueToken(h.admin, { login: 'sam', name: `churn${round}-${i}`, scopes: ['read'] });
    }
    const rows = await t.db.selectFrom('api_tokens').select('id').where('login', '=', 'sam').execute();
    expect(rows.length).toBeLessThanOrEqual(MAX_TOKENS_PER_USER + KEPT_DEAD_TOKENS_PER_USER);
  });

  // Several connections at once: PostgreSQL only. A SQLite server has one connection, one writer.
  it.runIf(factory.name === 'postgres')('a token minted while its parent is being revoked is revoked too (or refused)', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    const other = await t.connectAgain();
    const elsewhere = harnessOver(other.db, h.clock);
    for (let round = 0; round < 10; round++) {
      const parent = await h.platform.issueToken(h.admin, { login: 'sam', name: `parent${round}`, scopes: ['read'] });
      const sam = await h.platform.authenticate(parent.token);
      const [minted, revoked] = await Promise.allSettled([
        elsewhere.issueToken(sam, { login: 'sam', name: `child${round}`, scopes: ['read'] }),
        h.platform.revokeToken(h.admin, parent.id),
      ]);
      expect(revoked.status).toBe('fulfilled');
      if (minted.status === 'fulfilled') await expect(h.platform.authenticate(minted.value.token)).rejects.toThrow(/revoked/);
      else expect(minted.reason).toBeInstanceOf(Unauthenticated);
    }
  });

  it('checks token requests', async () => {
    await expect(h.platform.issueToken(h.admin, { login: 'admin', name: '', scopes: ['read'] })).rejects.toBeInstanceOf(InvalidInput);
    await expect(h.platform.issueToken(h.admin, { login: 'admin', name: 'x', scopes: [] })).rejects.toThrow(/at least one/);
    await expect(h.platform.issueToken(h.admin, { login: 'admin', name: 'x', scopes: ['root' as 'read'] })).rejects.toThrow(/unknown scope 'root'/);
    await expect(h.platform.issueToken(h.admin, { login: 'admin', name: 'x', scopes: ['read'], expiresInDays: 0 })).rejects.toThrow(/from 1 to 3650/);
    await expect(h.platform.issueToken(h.admin, { login: 'ghost', name: 'x', scopes: ['read'] })).rejects.toBeInstanceOf(NotFound);
  });

  it('revokes: owners their own tokens, admins any; others are told it does not exist', async () => {
    await h.platform.createUser(h.admin, { login: 'sam' });
    await h.platform.createUser(h.admin, { login: 'sue' });
    const sam = await h.actor('sam', ['read']);
    const sue = await h.actor('sue', ['read']);
    await expect(h.platform.revokeToken(sue, sam.tokenId)).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.revokeToken(sue, 'tok_missing')).rejects.toBeInstanceOf(NotFound);
    await h.platform.revokeToken(h.admin, sam.tokenId);
    await h.platform.revokeToken(h.admin, sam.tokenId); // idempotent
    const [token] = (await h.platform.listTokens(h.admin, 'sam')).filter((tok) => tok.id === sam.tokenId);
    expect(token?.revokedAt).not.toBeNull();
  });

  it('creates and lists users: admins only, valid logins, no duplicates', async () => {
    const user = await h.platform.createUser(h.admin, { login: 'new.user-1', displayName: 'New User' });
    expect(user).toMatchObject({ login: 'new.user-1', displayName: 'New User', isAdmin: false });
    await expect(h.platform.createUser(h.admin, { login: 'new.user-1' })).rejects.toBeInstanceOf(Conflict);
    for (const login of ['Upper', '-dash', '', 'a'.repeat(65), 'spa ce', 'é']) {
      await expect(h.platform.createUser(h.admin, { login }), login).rejects.toThrow(/not a valid login id|must be a string/);
    }
    const plain = await h.actor('new.user-1');
    await expect(h.platform.createUser(plain, { login: 'x' })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.listUsers(plain)).rejects.toBeInstanceOf(Forbidden);
    expect((await h.platform.listUsers(h.admin)).map((u) => u.login)).toEqual(['admin', 'new.user-1']);
    const readOnlyAdmin = await h.actor('admin', ['read']);
    await expect(h.platform.createUser(readOnlyAdmin, { login: 'y' })).rejects.toThrow(/lacks the 'manage' scope/);
  });
});
