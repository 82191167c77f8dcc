/** How server commands turn failures into messages and exit codes, publish's 0/1/2 included. */
import { describe, expect, it } from 'vitest';
import { ApiError, CredentialsFileError, NotLoggedIn, PreflightError, ServerUnreachable } from '../../src/client/client-errors.ts';
import { CourseFileError } from '../../src/client/course-file-error.ts';
import { InvalidServerUrl } from '../../src/client/credentials.ts';
import { LimitsOutOfRange } from '../../src/client/grader-limits.ts';
import type { PublishResult } from '../../src/client/publish-assignments.ts';
import { SubmissionInputError } from '../../src/client/submission-files.ts';
import { WaitTimedOut } from '../../src/client/wait-for-grading.ts';
import { describeClientFailure, publishExitCode } from '../../src/cli/client-failures.ts';
import { ExitCode } from '../../src/cli/exit-codes.ts';
import type { PublishOutcome } from '../../src/platform/platform.ts';

const api = (status: number, code: string, extra: ConstructorParameters<typeof ApiError>[3] = {}): ApiError =>
  new ApiError(status, code, `the server says ${code}`, { server: 'https://g.example', ...extra });

describe('describeClientFailure', () => {
  it.each([
    [404, 'not-found'], [403, 'forbidden'], [400, 'invalid-input'], [409, 'nothing-to-publish'], [409, 'not-ready'], [413, 'too-large'],
    [415, 'unsupported-media-type'], [500, 'internal'],
  ])('HTTP %i %s: exit 1, the message with status and code', (status, code) => {
    expect(describeClientFailure(api(status, code))).toMatchObject({ exitCode: ExitCode.failed, message: `the server says ${code} (HTTP ${status} ${code})` });
  });

  it.each([[429], [502], [503], [504], [507]])('HTTP %i: exit 2, run again later', (status) => {
    const failure = describeClientFailure(api(status, 'busy'));
    expect(failure?.exitCode).toBe(ExitCode.retryLater);
    expect(failure?.hint).toMatch(/nothing was changed: run the command again later$/);
  });

  it('Retry-After is passed on; 507 says the disk is full', () => {
    expect(describeClientFailure(api(503, 'unavailable', { retryAfterSeconds: 30 }))?.hint).toBe('the server is busy or restarting; nothing was changed: run the command again in 30 s or more, as the server asks');
    expect(describeClientFailure(api(507, 'storage-full'))?.hint).toMatch(/^the server is out of disk space/);
  });

  it('submission limits (429): every submission made is final (exit 1, ask the staff); too soon says when (exit 2)', () => {
    const exhausted = describeClientFailure(api(429, 'submission-limit', { details: { maxSubmissions: 2, used: 2, nextAllowedAt: null } }));
    expect(exhausted).toMatchObject({ exitCode: ExitCode.failed, message: 'the server says submission-limit (HTTP 429 submission-limit)' });
    expect(exhausted?.hint).toMatch(/no further submission .* ask your instructors or TAs/);
    expect(api(429, 'submission-limit').retryable).toBe(false);
    const soon = describeClientFailure(api(429, 'submission-too-soon', { retryAfterSeconds: 40, details: { nextAllowedAt: '2026-03-01T10:00:40.000Z' } }));
    expect(soon).toMatchObject({ exitCode: ExitCode.retryLater, hint: 'nothing was submitted: submit again at 2026-03-01T10:00:40.000Z (in 40 s)' });
    // A hostile or broken nextAllowedAt is not echoed.
    expect(describeClientFailure(api(429, 'submission-too-soon', { details: { nextAllowedAt: '\u001b[2Jsoon' } }))?.hint).toBe('nothing was submitted: submit again later');
  });

  it('401: exit 1, telling to log in again to that server', () => {
    expect(describeClientFailure(api(401, 'unauthenticated'))).toEqual({
      exitCode: ExitCode.failed,
      message: 'the server says unauthenticated (HTTP 401 unauthenticated)',
      hint: 'https://g.example refused the token (unknown, expired or revoked): run `gradebox login --server https://g.example` with a valid one, or fix GRADEBOX_TOKEN',
    });
  });

  it('no answer: exit 2 when it may come back (refused, reset), 1 when it will not (TLS)', () => {
    expect(describeClientFailure(new ServerUnreachable('https://g.example', 'connection refused', true))).toMatchObject({ exitCode: ExitCode.retryLater, message: 'cannot reach the gradebox server at https://g.example: connection refused' });
    expect(describeClientFailure(new ServerUnreachable('https://g.example', 'certificate has expired', false))).toMatchObject({ exitCode: ExitCode.failed });
  });

  it('command-line mistakes are usage errors (exit 2, see --help)', () => {
    for (const error of [new InvalidServerUrl('x'), new SubmissionInputError('x'), new LimitsOutOfRange([{ limit: 'cpus', message: 'x' }])]) {
      expect(describeClientFailure(error)).toEqual({ exitCode: ExitCode.usage, message: 'x', usage: true });
    }
  });

  it('not logged in, a failed pre-check, a broken credentials or course file: exit 1', () => {
    for (const error of [new NotLoggedIn('x'), new PreflightError('x'), new CredentialsFileError('x'), new CourseFileError('f', [])]) {
      expect(describeClientFailure(error)?.exitCode).toBe(ExitCode.failed);
    }
  });

  it('--wait running out of time: exit 2 (grading goes on)', () => {
    expect(describeClientFailure(new WaitTimedOut('still grading', undefined))?.exitCode).toBe(ExitCode.retryLater);
  });

  it('errors it does not know are left to the caller', () => {
    expect(describeClientFailure(new Error('bug'))).toBeUndefined();
  });
});

describe('publishExitCode', () => {
  const outcome: PublishOutcome = { courseId: 'c', assignmentId: 'a', published: [], autograde: null };
  const ok = (assignment: string): PublishResult => ({ assignment, ok: true, outcome });
  const fatal = (assignment: string): PublishResult => ({ assignment, ok: false, error: api(404, 'not-found'), retryable: false });
  const retry = (assignment: string): PublishResult => ({ assignment, ok: false, error: api(503, 'unavailable'), retryable: true });

  it.each<[string, PublishResult[], number]>([
    ['all published', [ok('a'), ok('b')], 0],
    ['one fatal failure', [ok('a'), fatal('b')], 1],
    ['only retryable failures', [retry('a'), ok('b'), retry('c')], 2],
    ['a fatal failure among retryable ones wins', [retry('a'), fatal('b'), ok('c')], 1],
    ['nothing to publish is fatal', [{ assignment: 'a', ok: false, error: api(409, 'nothing-to-publish'), retryable: false }], 1],
  ])('%s → %i', (_what, results, code) => {
    expect(publishExitCode(results)).toBe(code);
  });
});
