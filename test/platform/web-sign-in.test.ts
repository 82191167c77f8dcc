import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Forbidden, InvalidInput, NotFound, Unauthenticated } from '../../src/platform/errors.ts';
import { SESSION_IDLE_MS } from '../../src/platform/web-sign-in.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { courseFile, useHarness, type Harness } from './helpers.ts';

const PASSWORD = 'correct horse battery';

describe.each(databases)('web sign-in on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('signs in with the password an admin set, storing only hashes', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    await h.platform.setPassword(h.admin, 'sam', PASSWORD);
    const stored = await t.db.selectFrom('user_passwords').selectAll().where('login', '=', 'sam').executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.password_hash).not.toContain(PASSWORD);

    const session = await h.platform.signIn('sam', PASSWORD);
    const rows = await t.db.selectFrom('web_sessions').selectAll().execute();
    expect(rows.map((r) => r.id_hash)).toEqual([createHash('sha256').update(session.sessionId).digest('hex')]);
    const who = await h.platform.authenticateSession(session.sessionId);
    expect(who.actor).toMatchObject({ login: 'sam', isAdmin: false });
    expect(who.csrfToken).toBe(session.csrfToken);
    // A new id at every sign-in: no fixation.
    const again = await h.platform.signIn('sam', PASSWORD);
    expect(again.sessionId).not.toBe(session.sessionId);
    expect(again.csrfToken).not.toBe(session.csrfToken);
  });

  it('refuses wrong passwords and unknown logins with one message', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    await h.platform.setPassword(h.admin, 'sam', PASSWORD);
    await expect(h.platform.signIn('sam', 'wrong password!')).rejects.toThrow(new Unauthenticated('wrong login or password'));
    await expect(h.platform.signIn('nobody', PASSWORD)).rejects.toThrow(new Unauthenticated('wrong login or password'));
    await expect(h.platform.signIn('sue', PASSWORD)).rejects.toThrow(new Unauthenticated('wrong login or password'));
  });

  it('only admins set passwords, of 10 to 1024 characters', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    await expect(h.platform.setPassword(await h.actor('ines'), 'sam', PASSWORD)).rejects.toThrow(Forbidden);
    await expect(h.platform.setPassword(h.admin, 'sam', 'short')).rejects.toThrow(InvalidInput);
    await expect(h.platform.setPassword(h.admin, 'sam', 'x'.repeat(1025))).rejects.toThrow(InvalidInput);
    await expect(h.platform.setPassword(h.admin, 'ghost', PASSWORD)).rejects.toThrow(NotFound);
  });

  it('ends sessions at sign-out, everywhere, on a new password and when idle', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    await h.platform.setPassword(h.admin, 'sam', PASSWORD);
    const one = await h.platform.signIn('sam', PASSWORD);
    await h.platform.signOut(one.sessionId);
    await expect(h.platform.authenticateSession(one.sessionId)).rejects.toThrow(Unauthenticated);

    const a = await h.platform.signIn('sam', PASSWORD);
    const b = await h.platform.signIn('sam', PASSWORD);
    expect(await h.platform.signOutEverywhere((await h.platform.authenticateSession(a.sessionId)).actor)).toBe(2);
    await expect(h.platform.authenticateSession(b.sessionId)).rejects.toThrow(Unauthenticated);

    const c = await h.platform.signIn('sam', PASSWORD);
    await h.platform.setPassword(h.admin, 'sam', `${PASSWORD} 2`);
    await expect(h.platform.authenticateSession(c.sessionId)).rejects.toThrow(Unauthenticated);

    const d = await h.platform.signIn('sam', `${PASSWORD} 2`);
    h.clock.advance(SESSION_IDLE_MS + 1000);
    await expect(h.platform.authenticateSession(d.sessionId)).rejects.toThrow(Unauthenticated);
  });

  it('invitations: instructors invite their students, links work once and expire', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const ines = await h.actor('ines');
    const invitation = await h.platform.createInvitation(ines, 'sam', { expiresInHours: 2 });
    expect(await h.platform.describeInvitation(invitation.token)).toMatchObject({ login: 'sam' });
    await expect(h.platform.createInvitation(ines, 'admin')).rejects.toThrow(Forbidden);
    await expect(h.platform.createInvitation(await h.actor('sam'), 'sue')).rejects.toThrow(Forbidden);
    await expect(h.platform.acceptInvitation(invitation.token, 'short')).rejects.toThrow(InvalidInput);
    expect(await h.platform.acceptInvitation(invitation.token, PASSWORD)).toEqual({ login: 'sam' });
    await expect(h.platform.acceptInvitation(invitation.token, PASSWORD)).rejects.toThrow(NotFound);
    await h.platform.signIn('sam', PASSWORD);

    const late = await h.platform.createInvitation(h.admin, 'sue', { expiresInHours: 1 });
    h.clock.advance(60 * 60 * 1000 + 1);
    await expect(h.platform.describeInvitation(late.token)).rejects.toThrow(NotFound);
    await expect(h.platform.acceptInvitation('not-a-token', PASSWORD)).rejects.toThrow(NotFound);
  });
});
