import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated } from '../../src/platform/errors.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { useHarness, type Harness } from './helpers.ts';

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
    expect(listed).toEqual([{ id: issued.id, login: 'sam', name: 'laptop', scopes: ['read', 'submit'], createdAt: issued.createdAt, expiresAt: null, lastUsedAt: null, revokedAt: null }]);
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
