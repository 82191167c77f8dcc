/**
 * A typed client of the gradebox HTTP API (docs/api.md) over the global fetch: bearer token, JSON
 * in and out, error answers turned into ApiError, no answer at all into ServerUnreachable. Bodies
 * that can be large (grader images, submissions, archives) are streamed, never buffered.
 */
import type { Regrade, RegradePreview, RegradeRequest } from '../platform/regrade-model.ts';
import type { Readable } from 'node:stream';
import type { PublishOutcome } from '../platform/platform.ts';
import type { ReleaseOutcome } from '../platform/releases.ts';
import type { AutogradeTest } from '../platform/autograde-tests.ts';
import type {
  Leaderboard, Pseudonym,
  ApiToken, ApplyChange, Assignment, AssignmentGrade, Completion, CompletionOutcome, Course, CourseFile, Extension, GraderLimitRanges, GraderProtocol,
  AutogradeGrader, GraderVersion, IssuedToken, LateStatus, Role, Scope,
  Submission, User,
} from '../platform/model.ts';
import type { GoldenRunOutcome, GoldenSubmission } from '../platform/model.ts';
import type { LoggedGradeChange } from '../platform/grade-log.ts';
import type { OverrideOutcome } from '../platform/grade-overrides.ts';
import { ApiError, ServerUnreachable } from './client-errors.ts';

export interface ApiClientOptions {
  /** Normalized base URL (see `normalizeServerUrl`). */
  server: string;
  /** Bearer token; only `health` works without one. */
  token?: string;
  /** e.g. `gradebox-cli/0.1.0 (node v24.21.0; linux)`. */
  userAgent: string;
  /** Aborts every request (Ctrl-C). */
  signal?: AbortSignal;
}

export interface WhoAmI {
  user: User;
  scopes: Scope[];
  courses: Array<{ id: string; role: Role }>;
}

export interface NewUser {
  login: string;
  displayName?: string;
  isAdmin?: boolean;
}

export interface NewToken {
  name: string;
  scopes: Scope[];
  expiresInDays?: number;
}

export interface UploadedImage {
  imageId: string;
  archiveDigest: string;
  size: number;
}

export interface NewDraft {
  imageId: string;
  protocol?: GraderProtocol | null;
  /** root, UID or UID:GID inside the sandbox. */
  runAs?: string | null;
  /** `script` graders: the grading script in the image and its arguments. */
  script?: { path: string; args: string[] } | null;
  cpus?: number;
  memoryMiB?: number;
  timeoutSeconds?: number;
}

/** A body sent as it is read: a stream for a known number of bytes whose sha256 is already known. */
export interface StreamedBody {
  stream: Readable;
  size: number;
  /** Lower-case hex sha256 of exactly the bytes `stream` yields. */
  sha256: string;
}

interface RequestOptions {
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** Statuses answered without throwing (e.g. 404 when probing). */
  accept?: readonly number[];
  signal?: AbortSignal;
}

export class ApiClient {
  readonly server: string;
  readonly #token: string | undefined;
  readonly #userAgent: string;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    this.server = options.server;
    this.#token = options.token;
    this.#userAgent = options.userAgent;
    this.#signal = options.signal;
  }

  health(): Promise<{ ok: boolean; version: string }> {
    return this.#json('GET', '/api/health');
  }

  whoami(): Promise<WhoAmI> {
    return this.#json('GET', '/api/whoami');
  }

  limits(): Promise<GraderLimitRanges> {
    return this.#json('GET', '/api/limits');
  }

  /** Every user (admins only). */
  async users(): Promise<User[]> {
    return (await this.#json<{ users: User[] }>('GET', '/api/users')).users;
  }

  /** Creates a user (admins only); 409 `conflict` when the login is taken. */
  createUser(user: NewUser): Promise<User> {
    return this.#json('POST', '/api/users', { json: user });
  }

  /** Issues a token for `login` (admins, or the user for themselves); its value is in the answer only. */
  issueToken(login: string, token: NewToken): Promise<IssuedToken> {
    return this.#json('POST', `/api/users/${seg(login)}/tokens`, { json: token });
  }

  /** The user's tokens, newest first, without their values. */
  async tokens(login: string): Promise<ApiToken[]> {
    return (await this.#json<{ tokens: ApiToken[] }>('GET', `/api/users/${seg(login)}/tokens`)).tokens;
  }

  /** Revokes a token and those minted from it (its user, or an admin); revoking a revoked token again is no error. */
  async revokeToken(id: string): Promise<void> {
    const response = await this.#fetch('DELETE', `/api/tokens/${seg(id)}`);
    await readBody(response, this.server);
  }

  /** Revokes every token of `login` (the user, or an admin); `revoked` counts those that still worked. */
  revokeUserTokens(login: string): Promise<{ login: string; revoked: number }> {
    return this.#json('DELETE', `/api/users/${seg(login)}/tokens`);
  }

  // web sign-in (docs/web.md)

  /** Sets `login`'s web password (admins); their web sessions end. */
  async setPassword(login: string, password: string): Promise<void> {
    const response = await this.#fetch('PUT', `/api/users/${seg(login)}/password`, { json: { password } });
    await readBody(response, this.server);
  }

  /** A one-time link for `login` to set their web password (admins; instructors for their students and TAs). */
  createInvitation(login: string, expiresInHours?: number): Promise<{ login: string; token: string; expiresAt: string; path: string }> {
    return this.#json('POST', `/api/users/${seg(login)}/invitations`, { json: expiresInHours === undefined ? {} : { expiresInHours } });
  }

  async courses(): Promise<Course[]> {
    return (await this.#json<{ courses: Course[] }>('GET', '/api/courses')).courses;
  }

  async assignments(course: string): Promise<Assignment[]> {
    return (await this.#json<{ assignments: Assignment[] }>('GET', `/api/courses/${seg(course)}/assignments`)).assignments;
  }

  assignment(course: string, assignment: string): Promise<Assignment> {
    return this.#json('GET', `/api/courses/${seg(course)}/assignments/${seg(assignment)}`);
  }

  /** Staff: every extension of the assignment; students: their own. */
  async extensions(course: string, assignment: string): Promise<Extension[]> {
    return (await this.#json<{ extensions: Extension[] }>('GET', `${assignmentPath(course, assignment)}/extensions`)).extensions;
  }

  /** Staff with `manage`: gives `login` their own deadline, `until` (a time with a zone). */
  grantExtension(course: string, assignment: string, login: string, until: string): Promise<Extension> {
    return this.#json('PUT', `${assignmentPath(course, assignment)}/extensions/${seg(login)}`, { json: { until } });
  }

  revokeExtension(course: string, assignment: string, login: string): Promise<Extension> {
    return this.#json('DELETE', `${assignmentPath(course, assignment)}/extensions/${seg(login)}`);
  }

  /** The penalty a submission now would get (the caller's own, or staff: `login`'s), and whether it would be refused. */
  lateStatus(course: string, assignment: string, login?: string): Promise<LateStatus> {
    return this.#json('GET', `${assignmentPath(course, assignment)}/late-status${login === undefined ? '' : `?login=${seg(login)}`}`);
  }

  async apply(file: CourseFile, options: { dryRun: boolean; prune: boolean }): Promise<ApplyChange[]> {
    const query = `?dryRun=${String(options.dryRun)}&prune=${String(options.prune)}`;
    return (await this.#json<{ changes: ApplyChange[] }>('POST', `/api/apply${query}`, { json: file })).changes;
  }

  /** Streams a `docker save` tar to the course's image store; the server checks the digest. */
  uploadImage(course: string, body: StreamedBody): Promise<UploadedImage> {
    return this.#json('POST', `/api/courses/${seg(course)}/images`, {
      body: body.stream,
      headers: { 'content-type': 'application/x-tar', 'content-length': String(body.size), 'x-content-sha256': body.sha256 },
    });
  }

  /** The image as a `docker save` tar: a response whose body the caller streams. */
  downloadImage(course: string, imageId: string): Promise<Response> {
    return this.#fetch('GET', `/api/courses/${seg(course)}/images/${seg(imageId)}`);
  }

  createDraft(course: string, assignment: string, part: string, draft: NewDraft): Promise<GraderVersion> {
    return this.#json('POST', `${partPath(course, assignment, part)}/graders`, { json: draft });
  }

  async graderVersions(course: string, assignment: string, part: string): Promise<GraderVersion[]> {
    return (await this.#json<{ versions: GraderVersion[] }>('GET', `${partPath(course, assignment, part)}/graders`)).versions;
  }

  createAutogradeDraft(course: string, assignment: string, draft: NewDraft): Promise<AutogradeGrader> {
    return this.#json('POST', `/api/courses/${seg(course)}/assignments/${seg(assignment)}/autograde-graders`, { json: draft });
  }

  async autogradeGraders(course: string, assignment: string): Promise<AutogradeGrader[]> {
    return (await this.#json<{ versions: AutogradeGrader[] }>('GET', `/api/courses/${seg(course)}/assignments/${seg(assignment)}/autograde-graders`)).versions;
  }

  /** `acceptChanges`: publish even though golden results change (sent only when true, which older servers never needed). */
  publish(course: string, assignment: string, options: { acceptChanges?: boolean } = {}): Promise<PublishOutcome> {
    return this.#json('POST', `/api/courses/${seg(course)}/assignments/${seg(assignment)}/publish`, options.acceptChanges === true ? { json: { acceptChanges: true } } : {});
  }

  /** Release and withdraw grades (docs/course-workflow.md "Release and visibility"). */
  releaseGrades(course: string, assignment: string): Promise<ReleaseOutcome> {
    return this.#json('POST', `/api/courses/${seg(course)}/assignments/${seg(assignment)}/release`);
  }

  withdrawGrades(course: string, assignment: string): Promise<ReleaseOutcome> {
    return this.#json('POST', `/api/courses/${seg(course)}/assignments/${seg(assignment)}/withdraw`);
  }

  /** `form`: `file` fields (name = path in the submission) or one `archive`, plus `kind`, `useDrafts`, `part`. */
  async submit(course: string, assignment: string, form: FormData): Promise<Submission> {
    try {
      return await this.#json('POST', `${assignmentPath(course, assignment)}/submissions`, { body: form });
    } catch (error) {
      // A refusal (past the cutoff, over a limit) is answered before the files are read and the
      // connection closed behind it, which can reach us as a broken send instead of the answer:
      // ask again without files, so the caller learns the refusal rather than a transport error.
      if (error instanceof ServerUnreachable) await this.checkSubmission(course, assignment);
      throw error;
    }
  }

  /** A test run of the assignment's autograde grader (`form`: fields `version`, `partResults`, and the sample's files). */
  async startAutogradeTest(course: string, assignment: string, form: FormData): Promise<AutogradeTest> {
    try {
      return await this.#json('POST', `${assignmentPath(course, assignment)}/autograde-tests`, { body: form });
    } catch (error) {
      // As for `submit`: a refusal answered before the files were read can reach us as a broken send.
      if (error instanceof ServerUnreachable) await this.#fetch('GET', `${assignmentPath(course, assignment)}/autograde-test-check`);
      throw error;
    }
  }

  autogradeTest(id: string): Promise<AutogradeTest> {
    return this.#json('GET', `/api/autograde-tests/${seg(id)}`);
  }

  /** Resolves when the caller may submit now; throws the refusal (ApiError) otherwise. */
  async checkSubmission(course: string, assignment: string): Promise<void> {
    await this.#fetch('GET', `${assignmentPath(course, assignment)}/submission-check`);
  }

  submission(id: string, signal?: AbortSignal): Promise<Submission> {
    return this.#json('GET', `/api/submissions/${seg(id)}`, signal ? { signal } : {});
  }

  /** The submission's files as a tar: a response whose body the caller streams. */
  submissionArchive(id: string): Promise<Response> {
    return this.#fetch('GET', `/api/submissions/${seg(id)}/archive`);
  }

  /** The live event stream of a submission (`text/event-stream`); 404/405/501 come back as answers, not errors. */
  submissionEvents(id: string, signal?: AbortSignal): Promise<Response> {
    return this.#fetch('GET', `/api/submissions/${seg(id)}/events`, {
      headers: { accept: 'text/event-stream' },
      accept: [404, 405, 406, 501],
      ...(signal ? { signal } : {}),
    });
  }

  /** Completes work: the caller's own (`{}`), one student's (`{login}`) or everyone's (`{all: true}`). */
  complete(course: string, assignment: string, target: { login?: string; all?: boolean }): Promise<CompletionOutcome> {
    return this.#json('POST', `${assignmentPath(course, assignment)}/completions`, { json: target });
  }

  /** Staff: un-completes a student's work. */
  uncomplete(course: string, assignment: string, login: string): Promise<CompletionOutcome> {
    return this.#json('DELETE', `${assignmentPath(course, assignment)}/completions/${seg(login)}`);
  }

  async completions(course: string, assignment: string): Promise<Completion[]> {
    return (await this.#json<{ completions: Completion[] }>('GET', `${assignmentPath(course, assignment)}/completions`)).completions;
  }

  /** Your pseudonym in the course (docs/course-workflow.md "Leaderboard"). */
  pseudonym(course: string): Promise<Pseudonym> {
    return this.#json('GET', `/api/courses/${seg(course)}/pseudonym`);
  }

  /** Choose your pseudonym; null: back to a generated one. */
  setPseudonym(course: string, pseudonym: string | null): Promise<Pseudonym> {
    return this.#json('PUT', `/api/courses/${seg(course)}/pseudonym`, { json: { pseudonym } });
  }

  leaderboard(course: string, assignment: string): Promise<Leaderboard> {
    return this.#json('GET', `${assignmentPath(course, assignment)}/leaderboard`);
  }

  /** Staff: every student's grade (or one login's); students: their own. */
  async grades(course: string, assignment: string, login?: string): Promise<AssignmentGrade[]> {
    const query = login === undefined ? '' : `?login=${seg(login)}`;
    return (await this.#json<{ grades: AssignmentGrade[] }>('GET', `${assignmentPath(course, assignment)}/grades${query}`)).grades;
  }

  // golden submissions (docs/course-workflow.md "Golden submissions")
  async goldens(course: string, assignment: string): Promise<GoldenSubmission[]> {
    return (await this.#json<{ goldens: GoldenSubmission[] }>('GET', `${assignmentPath(course, assignment)}/goldens`)).goldens;
  }

  pinGolden(course: string, assignment: string, golden: { submissionId: string; label?: string; expect?: Record<string, number> }): Promise<GoldenSubmission> {
    return this.#json('POST', `${assignmentPath(course, assignment)}/goldens`, { json: golden });
  }

  unpinGolden(course: string, assignment: string, goldenId: string): Promise<GoldenSubmission> {
    return this.#json('DELETE', `${assignmentPath(course, assignment)}/goldens/${seg(goldenId)}`);
  }

  runGoldens(course: string, assignment: string): Promise<GoldenRunOutcome> {
    return this.#json('POST', `${assignmentPath(course, assignment)}/golden-runs`);
  }

  // Regrades (docs/course-workflow.md, "Regrade").
  /** Staff: starts a regrade or a dry run of an assignment. */
  startRegrade(course: string, assignment: string, request: RegradeRequest): Promise<Regrade> {
    return this.#json('POST', `${assignmentPath(course, assignment)}/regrades`, { json: request });
  }

  async regrades(course: string, assignment: string): Promise<Regrade[]> {
    return (await this.#json<{ regrades: Regrade[] }>('GET', `${assignmentPath(course, assignment)}/regrades`)).regrades;
  }

  regrade(id: string, signal?: AbortSignal): Promise<Regrade> {
    return this.#json('GET', `/api/regrades/${seg(id)}`, signal ? { signal } : {});
  }

  regradePreview(id: string): Promise<RegradePreview> {
    return this.#json('GET', `/api/regrades/${seg(id)}/preview`);
  }

  /** `apply`, `discard` or `cancel` a regrade. */
  endRegrade(id: string, action: 'apply' | 'discard' | 'cancel'): Promise<Regrade> {
    return this.#json('POST', `/api/regrades/${seg(id)}/${action}`);
  }

  /** The live progress stream of a regrade (`text/event-stream`); 404/405/501 come back as answers, not errors. */
  regradeEvents(id: string, signal?: AbortSignal): Promise<Response> {
    return this.#fetch('GET', `/api/regrades/${seg(id)}/events`, {
      headers: { accept: 'text/event-stream' },
      accept: [404, 405, 406, 501],
      ...(signal ? { signal } : {}),
    });
  }

  // gradebook: overrides, the grade log, export
  /** Staff (`manage`): sets a part's points (`part`) or the assignment grade by hand. */
  setOverride(course: string, assignment: string, login: string, body: { part?: string | null; value: number; reason: string }): Promise<OverrideOutcome> {
    return this.#json('PUT', `${assignmentPath(course, assignment)}/overrides/${seg(login)}`, { json: body });
  }

  /** Staff (`manage`): removes an override of a part (`part`) or of the assignment grade. */
  removeOverride(course: string, assignment: string, login: string, options: { part?: string; reason?: string } = {}): Promise<OverrideOutcome> {
    const query = new URLSearchParams();
    if (options.part !== undefined) query.set('part', options.part);
    if (options.reason !== undefined) query.set('reason', options.reason);
    const suffix = query.size === 0 ? '' : `?${query.toString()}`;
    return this.#json('DELETE', `${assignmentPath(course, assignment)}/overrides/${seg(login)}${suffix}`);
  }

  /** The grade log of an assignment, or of the course (`assignment` undefined); `login`: one student's. */
  async gradeLog(course: string, assignment: string | undefined, login?: string): Promise<LoggedGradeChange[]> {
    const base = assignment === undefined ? `/api/courses/${seg(course)}` : assignmentPath(course, assignment);
    const query = login === undefined ? '' : `?login=${seg(login)}`;
    return (await this.#json<{ entries: LoggedGradeChange[] }>('GET', `${base}/grade-log${query}`)).entries;
  }

  /** Staff: the grade export (CSV or JSON) as a response whose body the caller streams. */
  gradeExport(course: string, options: { assignment?: string; format: 'csv' | 'json' }): Promise<Response> {
    const query = new URLSearchParams({ format: options.format });
    if (options.assignment !== undefined) query.set('assignment', options.assignment);
    return this.#fetch('GET', `/api/courses/${seg(course)}/grades/export?${query.toString()}`, { headers: { accept: options.format === 'csv' ? 'text/csv' : 'application/json' } });
  }

  async #json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#fetch(method, path, options);
    const text = await readBody(response, this.server);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'bad-response', `the server at ${this.server} answered ${method} ${path} with something that is not JSON; is it a gradebox server?`, { server: this.server });
    }
  }

  async #fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: 'application/json', ...options.headers };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const signal = anySignal(options.signal, this.#signal);
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        // A streamed request body (an image) needs half duplex.
        ...(isStream(body) ? { duplex: 'half' } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw unreachable(this.server, error);
    }
    if (response.ok || options.accept?.includes(response.status)) return response;
    throw await apiError(response, this.server);
  }
}

/** Reads a whole (small) body; a connection cut mid-body is ServerUnreachable. */
async function readBody(response: Response, server: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw unreachable(server, error);
  }
}

/** Turns an error answer into ApiError: gradebox's JSON error body when there is one, else a summary of what came. */
export async function apiError(response: Response, server: string): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
      return new ApiError(response.status, error.code, error.message, { ...(details ? { details } : {}), ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}), server });
    }
  } catch {
    // Not JSON: a proxy's or another server's page.
  }
  const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160);
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new ApiError(response.status, `http-${response.status}`, `the server at ${server} answered ${status}${snippet ? `: ${snippet}` : ''}`, {
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    server,
  });
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, Math.ceil((when - now) / 1000));
}

const FATAL_CONNECT_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_|ERR_INVALID_URL)/;

/** Describes fetch's failure (`TypeError: fetch failed` with the socket error as its cause). */
export function unreachable(server: string, error: unknown): ServerUnreachable {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running, and is the port right?)',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be resolved just now',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'no route to the host',
    ENETUNREACH: 'the network is unreachable',
    EPIPE: 'the connection was closed while sending',
    UND_ERR_SOCKET: 'the connection was closed unexpectedly',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
    UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  };
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (message === 'bad port') return new ServerUnreachable(server, 'fetch never connects to that port (a browser-blocked one); use another', false, { cause: error });
  const reason = (code !== undefined ? reasons[code] : undefined) ?? (message === 'terminated' ? 'the connection was closed mid-answer' : message);
  return new ServerUnreachable(server, reason, !(code !== undefined && FATAL_CONNECT_CODES.test(code)), { cause: error });
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length <= 1 ? present[0] : AbortSignal.any(present);
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function assignmentPath(course: string, assignment: string): string {
  return `/api/courses/${seg(course)}/assignments/${seg(assignment)}`;
}

function partPath(course: string, assignment: string, part: string): string {
  return `${assignmentPath(course, assignment)}/parts/${seg(part)}`;
}
