/**
 * The grading service's operations, each checking the caller's role and token scopes. The HTTP
 * routes (src/server/api/) are thin over these; tests call them directly on SQLite and PostgreSQL.
 *
 * Permission rules, in one place:
 * - admins (users.is_admin) may do everything, in any course, with a `manage` scope for writes;
 * - instructors: everything in their course (set-up needs `manage`; graders and publish need `author`);
 * - TAs: read everything in the course, upload grader drafts and run author tests (`author`),
 *   but not publish, change set-up or members, release or withdraw grades (403);
 * - students: submit (`submit`) to assignments of their course and read their own submissions and
 *   results (filtered to what the grader made visible), complete their own work (`submit`) until
 *   the assignment's completion time, read their own grade; nothing else (403 in their course,
 *   404 for courses they are not in);
 * - completing another student's work, or everyone's, and un-completing are for staff (`submit`);
 * - leaderboards: members read an assignment's (students see pseudonyms only, and only once its
 *   grades are released); every member reads and sets their own pseudonym (`submit` to set).
 * - golden submissions: staff read them; pinning, unpinning and running them need `author`.
 * - grade overrides are for staff (`manage`, as extensions); the grade log: staff all, students
 *   their own released entries; grade export: staff only.
 * Every read needs the `read` scope.
 */
import type { AutogradeTest, NewAutogradeTest } from './autograde-tests.ts';
import type {
  Actor,
  ApiToken,
  ApplyChange,
  Assignment,
  AssignmentGrade,
  AutogradeGrader,
  Completion,
  CompletionOutcome,
  Course,
  CourseFile,
  Extension,
  GoldenDraftCheck,
  GoldenRunOutcome,
  GoldenSubmission,
  GraderLimitRanges,
  GraderProtocol,
  GraderVersion,
  GradingJob,
  IssuedToken,
  JobPriority,
  Leaderboard,
  LateStatus,
  Member,
  Pseudonym,
  Role,
  Scope,
  Submission,
  SubmissionFile,
  User,
} from './model.ts';
import type { CompletionRequest } from './completions.ts';
import type { NewGolden } from './golden.ts';
import type { GradeExport } from './grade-export.ts';
import type { LoggedGradeChange } from './grade-log.ts';
import type { GradeLogFilter } from './grade-log-reads.ts';
import type { OverrideOutcome, OverrideRequest } from './grade-overrides.ts';
import type { SubmissionJson } from './submission-reads.ts';
import type { ReleaseOutcome } from './releases.ts';
import type { Regrade, RegradePreview, RegradeRequest } from './regrade-model.ts';
import type { Invitation, SessionActor, WebSession } from './web-sign-in.ts';
import type { PartProgress } from './grading-progress.ts';
import type { MemberInput, SetupRights } from './course-members.ts';
import type { NewRobustnessCheck, RobustnessCheck } from './robustness-checks.ts';
import type { SubmissionJobs } from './submission-jobs.ts';
import type { QueueOverview } from './queue-overview.ts';
import type { CourseGradebook } from './course-gradebook.ts';

export interface NewGraderVersion {
  courseId: string;
  assignmentId: string;
  partId: string;
  /** An image uploaded to this course (`recordImageUpload`); others are refused with 404. */
  imageId: string;
  protocol?: GraderProtocol | null;
  /** `root`, `UID` or `UID:GID` inside the sandbox; absent or null: the protocol's default. */
  runAs?: string | null;
  /** Required with protocol `script` (and only with it): the grading script and its arguments. */
  script?: { path: string; args?: string[] } | null;
  cpus?: number;
  memoryMiB?: number;
  /** Default: the configured default (1200 s). */
  timeoutSeconds?: number;
}

export interface NewSubmission {
  courseId: string;
  assignmentId: string;
  /** Already stored as blobs by the intake (src/intake/); the platform records them. */
  files: SubmissionFile[];
  /** `student` (priority student) or `author-test` (staff only; graded by drafts when `useDrafts`). */
  kind?: 'student' | 'author-test';
  /** Author tests: grade with the newest drafts instead of the published versions. */
  useDrafts?: boolean;
  /** Only these parts (default: every part with a grader). */
  parts?: string[];
  /**
   * Author tests of one part (`parts` names exactly one): grade with this grader version of it
   * (its id), whatever its status (`gradebox test-grader`, `check-grader --remote`).
   */
  graderVersionId?: string;
}

export interface PublishOutcome {
  courseId: string;
  assignmentId: string;
  /** The versions that became live, one per part that had a draft. */
  published: GraderVersion[];
  /** The assignment's autograde grader that became live, when it had a draft. */
  autograde: AutogradeGrader | null;
  /** The goldens checked against the drafts, and the changed results accepted (src/platform/golden-publish.ts); absent from older servers. */
  goldens?: { checked: number; accepted: GoldenDraftCheck[] };
}

export interface PublishOptions {
  /** Publish even though golden results change, and make the new results their expectations. */
  acceptChanges?: boolean;
}

/** An assignment's autograde grader draft: a `script` grader version without a part. */
export type NewAutogradeGrader = Omit<NewGraderVersion, 'partId'>;

export interface Platform {
  readonly limits: GraderLimitRanges;

  // accounts
  /** Resolves a bearer token; throws Unauthenticated for unknown, expired or revoked tokens. */
  authenticate(token: string): Promise<Actor>;
  /** First start only: creates the `admin` user and returns a one-time token; undefined when users exist. */
  bootstrapAdmin(): Promise<IssuedToken | undefined>;
  whoami(actor: Actor): Promise<{ user: User; scopes: Scope[]; courses: Array<{ id: string; role: Role }> }>;
  createUser(actor: Actor, input: { login: string; displayName?: string; isAdmin?: boolean }): Promise<User>;
  listUsers(actor: Actor): Promise<User[]>;
  /**
   * Admins for anyone; users for themselves, minted with the token they call with (at most its
   * scopes, expiring no later, revoked with it). 409 `too-many-tokens` past the per-user cap.
   */
  issueToken(actor: Actor, input: { login: string; name: string; scopes: Scope[]; expiresInDays?: number }): Promise<IssuedToken>;
  listTokens(actor: Actor, login: string): Promise<ApiToken[]>;
  /** Revokes the token and every token minted from it. */
  revokeToken(actor: Actor, tokenId: string): Promise<void>;
  /** Revokes every token of the user (admins, or the user themselves); returns how many. */
  revokeUserTokens(actor: Actor, login: string): Promise<number>;

  // courses and set-up
  listCourses(actor: Actor): Promise<Course[]>;
  getCourse(actor: Actor, courseId: string): Promise<Course>;
  listMembers(actor: Actor, courseId: string): Promise<Member[]>;
  /** Idempotent: creates or updates everything in the file; with `prune`, removes members/assignments/parts not listed (refused for ones with submissions). */
  applyCourseFile(actor: Actor, file: CourseFile, options?: { dryRun?: boolean; prune?: boolean }): Promise<ApplyChange[]>;
  /** Admins: a new course with its first instructor (made a user if new); 409 `course-exists` when the id is taken. */
  createCourse(actor: Actor, input: { id: string; title: string; instructor: string }): Promise<ApplyChange[]>;
  listAssignments(actor: Actor, courseId: string): Promise<Assignment[]>;
  getAssignment(actor: Actor, courseId: string, assignmentId: string): Promise<Assignment>;

  // late rules
  /** Staff: the assignment's extensions; students: their own. */
  listExtensions(actor: Actor, courseId: string, assignmentId: string): Promise<Extension[]>;
  /** Staff with `manage`: gives a student their own deadline (`until`, a time with a zone, after the assignment's). */
  grantExtension(actor: Actor, courseId: string, assignmentId: string, login: string, until: unknown): Promise<Extension>;
  /** Staff with `manage`: removes a student's extension; NotFound when they have none. */
  revokeExtension(actor: Actor, courseId: string, assignmentId: string, login: string): Promise<Extension>;
  /** Where the caller (staff: or `login`) stands now: deadline, cutoff, extension, the factor and rule a submission now gets. */
  getLateStatus(actor: Actor, courseId: string, assignmentId: string, login?: string): Promise<LateStatus>;

  // graders
  /** Checks the caller may upload to the course (before the image is streamed in). */
  assertCanUpload(actor: Actor, courseId: string): Promise<void>;
  /** Records an image received for the course; drafts of the course may only use such images. */
  recordImageUpload(actor: Actor, courseId: string, imageId: string): Promise<void>;
  createDraft(actor: Actor, input: NewGraderVersion): Promise<GraderVersion>;
  listGraderVersions(actor: Actor, courseId: string, assignmentId: string, partId: string): Promise<GraderVersion[]>;
  /**
   * Makes every part's newest draft live in one transaction; Conflict `nothing-to-publish` when
   * there is no draft, `goldens-not-graded` / `golden-changed` when the goldens say no (see below).
   */
  publish(actor: Actor, courseId: string, assignmentId: string, options?: PublishOptions): Promise<PublishOutcome>;
  /** Staff with `author`: a draft of the assignment's autograde grader (protocol `script`). */
  createAutogradeDraft(actor: Actor, input: NewAutogradeGrader): Promise<AutogradeGrader>;
  /** Staff: the assignment's autograde grader versions, newest first. */
  listAutogradeGraders(actor: Actor, courseId: string, assignmentId: string): Promise<AutogradeGrader[]>;
  /** Staff of a course that has a grader version with this image may read it (for `grade remote`). */
  assertCanReadImage(actor: Actor, courseId: string, imageId: string): Promise<void>;

  // submissions and results
  /** Checks that the course and assignment exist, the caller is in the course, may submit now and has the `submit` scope (before the files are received). */
  assertCanSubmit(actor: Actor, courseId: string, assignmentId: string): Promise<void>;
  /** Records the submission and enqueues one job per part in the same transaction. */
  submit(actor: Actor, input: NewSubmission, priority?: JobPriority): Promise<Submission>;
  getSubmission(actor: Actor, submissionId: string): Promise<Submission>;
  /** `getSubmission` as UTF-8 JSON, big results rendered off the event loop (for the HTTP API). */
  getSubmissionJson(actor: Actor, submissionId: string): Promise<SubmissionJson>;
  listSubmissions(actor: Actor, courseId: string, assignmentId: string, filter?: { login?: string }): Promise<Submission[]>;
  /** `{"submissions": [...]}` of `listSubmissions` as parts of UTF-8 JSON, rendered as they are read; checks first. */
  listSubmissionsJson(actor: Actor, courseId: string, assignmentId: string, filter?: { login?: string }): Promise<AsyncIterable<Buffer>>;
  /** Staff: the job with its phases and attempts. */
  getJob(actor: Actor, jobId: string): Promise<GradingJob>;

  // completion and grades (docs/course-workflow.md)
  /**
   * Completes the caller's own work (students), one student's (`login`, staff) or every
   * student's (`all`, staff): freezes the newest submission and grades it. 409 `already-completed`
   * for one student completed before; with `all`, those are skipped and `changed` counts the rest.
   */
  complete(actor: Actor, courseId: string, assignmentId: string, request?: CompletionRequest): Promise<CompletionOutcome>;
  /** Staff: removes a student's completion and stored grade; 409 `not-completed` when there is none. */
  uncomplete(actor: Actor, courseId: string, assignmentId: string, login: string): Promise<CompletionOutcome>;
  /** Staff: every completion; students: their own. */
  listCompletions(actor: Actor, courseId: string, assignmentId: string): Promise<Completion[]>;
  /** Staff: every student's assignment grade with its derivation (or one `login`'s); students: their own. */
  listGrades(actor: Actor, courseId: string, assignmentId: string, filter?: { login?: string }): Promise<AssignmentGrade[]>;
  // golden submissions (docs/course-workflow.md "Golden submissions")
  /** Staff with `author`: pins a submission of the assignment with its expected per-part results (default: its current ones). */
  pinGolden(actor: Actor, input: NewGolden): Promise<GoldenSubmission>;
  /** Staff: the assignment's goldens with their state against each part's newest draft. */
  listGoldens(actor: Actor, courseId: string, assignmentId: string): Promise<GoldenSubmission[]>;
  /** Staff with `author`: removes a golden. */
  unpinGolden(actor: Actor, courseId: string, assignmentId: string, goldenId: string): Promise<GoldenSubmission>;
  /** Staff with `author`: grades author-test copies of the goldens with the newest drafts they were not graded by. */
  runGoldens(actor: Actor, courseId: string, assignmentId: string): Promise<GoldenRunOutcome>;

  /** The server's timer: completes every student of each assignment whose completion time has come; returns how many. */
  runDueCompletions(runner: string): Promise<number>;

  // leaderboards (docs/course-workflow.md "Leaderboard")
  /** Members: their pseudonym in the course (a generated one until they choose). */
  getPseudonym(actor: Actor, courseId: string): Promise<Pseudonym>;
  /** Members (`submit`): choose a pseudonym (null: back to a generated one); 400 for a bad name, 409 `pseudonym-taken`. */
  setPseudonym(actor: Actor, courseId: string, pseudonym: unknown): Promise<Pseudonym>;
  /** Members: the assignment's leaderboard (students: pseudonyms only); 409 `no-leaderboard` when not enabled. */
  getLeaderboard(actor: Actor, courseId: string, assignmentId: string): Promise<Leaderboard>;
  // release and visibility (docs/course-workflow.md "Release and visibility")
  /**
   * Instructors and admins with `manage`: students see the assignment's scores and its
   * `after_published` tests; one `release` grade event per student. 409 `already-released` when
   * published already (by staff or the release time): nothing changes.
   */
  releaseGrades(actor: Actor, courseId: string, assignmentId: string): Promise<ReleaseOutcome>;
  /**
   * Instructors and admins with `manage`: hides the scores again (mode `manual`, release and
   * release time cleared); one `withdraw` grade event per student. 409 `not-released` when
   * students see no scores and nothing is published.
   */
  withdrawGrades(actor: Actor, courseId: string, assignmentId: string): Promise<ReleaseOutcome>;
  /** Staff and admins: the course's released grade events after `after` (a seq), in seq order; at most `limit` (1–1000, default 100). */
  listGradeEvents(actor: Actor, courseId: string, page?: { after?: number; limit?: number }): Promise<LoggedGradeChange[]>;
  /** The server's timer: records the events of every automatic release whose time has come, once; returns how many events. */
  runDueReleases(runner: string): Promise<number>;
  // regrades (docs/course-workflow.md, "Regrade"; src/platform/regrade-*.ts)
  /**
   * Staff with `author` regrade the counting submission of every (or the selected) student, on
   * every (or the selected) part, with bulk-priority jobs; TAs only as a dry run. 404 unknown
   * student, part or version; 409 `nothing-to-regrade`, `regrade-open` (naming the open one).
   */
  startRegrade(actor: Actor, courseId: string, assignmentId: string, request?: RegradeRequest): Promise<Regrade>;
  /** Staff: one regrade with its progress (done / total / failed / ETA). */
  getRegrade(actor: Actor, regradeId: string): Promise<Regrade>;
  /** Staff: an assignment's regrades, newest first. */
  listRegrades(actor: Actor, courseId: string, assignmentId: string): Promise<Regrade[]>;
  /** Staff: a dry run's changes per student and part, with a summary; 409 for a regrade that is no dry run. */
  previewRegrade(actor: Actor, regradeId: string): Promise<RegradePreview>;
  /** Instructors with `author`: makes a finished dry run official (publishing its draft); 409 running, ended or expired. */
  applyRegrade(actor: Actor, regradeId: string): Promise<Regrade>;
  /** Staff with `author`: drops a dry run's shadow results. */
  discardRegrade(actor: Actor, regradeId: string): Promise<Regrade>;
  /** Staff with `author` (a regrade: instructors): unclaimed jobs leave the queue; running ones may finish. */
  cancelRegrade(actor: Actor, regradeId: string): Promise<Regrade>;
  /** Staff: why the caller may not apply this regrade (applyRegrade's 403, asked beforehand: the regrade page says so); null when they may. */
  regradeApplyRefusal(actor: Actor, regradeId: string): Promise<string | null>;
  // gradebook: overrides, the grade log, export (docs/course-workflow.md)
  /**
   * Staff (instructors and TAs) with `manage`: sets a student's part points (`partId`) or the
   * assignment grade by hand, with a reason (required, at most 1000 characters). Finite and ≥ 0;
   * above the maximum is extra credit, accepted with a warning. 404 for an unknown student or part.
   */
  setGradeOverride(actor: Actor, courseId: string, assignmentId: string, login: string, request: OverrideRequest): Promise<OverrideOutcome>;
  /** Staff with `manage`: removes an override; 404 when there is none. */
  removeGradeOverride(actor: Actor, courseId: string, assignmentId: string, login: string, request?: { partId?: string | null; reason?: unknown }): Promise<OverrideOutcome>;
  /** The grade log in `seq` order: staff every entry (or one student's); students their own released entries. */
  listGradeLog(actor: Actor, courseId: string, filter?: GradeLogFilter): Promise<LoggedGradeChange[]>;
  /** Staff: the course's (or one assignment's) grades for export, rows derived as they are read. */
  exportGrades(actor: Actor, courseId: string, filter?: { assignmentId?: string }): Promise<GradeExport>;
  // web sign-in (docs/web.md): passwords, invitations, browser sessions
  /** Admins: sets `login`'s password (scrypt) and ends their sessions. */
  setPassword(actor: Actor, login: string, password: string): Promise<void>;
  /** Admins for anyone, instructors for their courses' students and TAs: a one-time, expiring link to set a password. */
  createInvitation(actor: Actor, login: string, options?: { expiresInHours?: number }): Promise<Invitation>;
  /** Who a usable invitation is for; NotFound for unknown, used or expired ones. */
  describeInvitation(token: string): Promise<{ login: string; expiresAt: string }>;
  /** Sets the invitee's password and uses the invitation up. */
  acceptInvitation(token: string, password: string): Promise<{ login: string }>;
  /** A new session for a right login and password; Unauthenticated (one message for every failure) otherwise. */
  signIn(login: string, password: string): Promise<WebSession>;
  /** The user of a session cookie, with the session's CSRF token; Unauthenticated when it ended. */
  authenticateSession(sessionId: string): Promise<SessionActor>;
  signOut(sessionId: string): Promise<void>;
  /** Ends every session of the caller (admins: of `login`); returns how many. */
  signOutEverywhere(actor: Actor, login?: string): Promise<number>;
  /** Its readers: each part's newest job phase and, while queued, about how many jobs wait before it (the web page's live status). */
  getGradingProgress(actor: Actor, submissionId: string): Promise<PartProgress[]>;
  /** A submission whose files the caller may download (its student, or staff with `author`); the rule of `GET …/archive`. */
  getSubmissionForDownload(actor: Actor, submissionId: string): Promise<SubmissionJson>;
  // autograde test runs (autograde-tests.ts): an autograde grader on a sample with simulated part results
  /** Staff with `author`: 404 unknown assignment, 409 not `autograde: script` or no autograde grader version (before the sample is received). */
  assertCanTestAutograde(actor: Actor, courseId: string, assignmentId: string): Promise<void>;
  /** Records the sample (an author-test submission) and queues the version's run at author-test priority. */
  startAutogradeTest(actor: Actor, input: NewAutogradeTest): Promise<AutogradeTest>;
  /** Staff of the course: the run and, once it ended, its grade, feedback and whole result. */
  getAutogradeTest(actor: Actor, id: string): Promise<AutogradeTest>;
  // the web set-up page (course-members.ts, apply-course-file.ts): one member at a time, a previewed course file
  /** Staff (others 403): whether the caller may change the set-up, and whose invitation links they may create. */
  getSetupRights(actor: Actor, courseId: string): Promise<SetupRights>;
  /** Instructors and admins with `manage`: adds a member or changes their role, by apply's rules; the change made. */
  setMember(actor: Actor, courseId: string, input: MemberInput): Promise<ApplyChange>;
  /** Instructors and admins with `manage`: removes a member (404 no member; 409 with submissions, or one's own instructor role). */
  removeMember(actor: Actor, courseId: string, login: string): Promise<ApplyChange>;
  /** A dry run of applyCourseFile with its plan: a digest of the changes, for applyPreviewedCourseFile. */
  previewCourseFile(actor: Actor, file: CourseFile, options?: { prune?: boolean }): Promise<{ changes: ApplyChange[]; plan: string }>;
  /** applyCourseFile only if it makes exactly the previewed changes (`plan`); 409, nothing applied, when the course changed since. */
  applyPreviewedCourseFile(actor: Actor, file: CourseFile, options: { prune?: boolean; plan: string }): Promise<ApplyChange[]>;
  // robustness checks run on the server (robustness-checks.ts, src/grader-check/server-check.ts)
  /** Staff with `author`: records which author-test submission carried which hostile case (or why one was skipped). */
  recordRobustnessCheck(actor: Actor, input: NewRobustnessCheck): Promise<RobustnessCheck>;
  /** Staff of the course: a check with its cases; 404 unknown. */
  getRobustnessCheck(actor: Actor, checkId: string): Promise<RobustnessCheck>;
  /** Staff: the assignment's newest checks, newest first. */
  listRobustnessChecks(actor: Actor, courseId: string, assignmentId: string): Promise<Array<Omit<RobustnessCheck, 'cases'> & { caseCount: number }>>;
  // staff pages: a submission's jobs, the queue dashboard (docs/web.md)
  /** Staff of the submission's course: every job of every part (official, regrade, shadow), with phases, worker and whole result; 403 for students. */
  listSubmissionJobs(actor: Actor, submissionId: string): Promise<SubmissionJobs>;
  /** The grading queue: a course's jobs (its staff), or every course's with the workers (`courseId` absent: administrators). */
  getQueueOverview(actor: Actor, courseId?: string): Promise<QueueOverview>;
  // the web gradebook (course-gradebook.ts)
  /** Staff: every student's final grade on every assignment, read set-based (final grades only, no part results). */
  getCourseGradebook(actor: Actor, courseId: string): Promise<CourseGradebook>;
}
