/**
 * The grading service's domain objects, exactly as the HTTP API returns them (JSON: ISO-8601 UTC
 * strings for times, ids as strings). The server's TypeBox schemas in src/server/schemas/ describe
 * the same shapes; the CLI's client reads them.
 */
import type { GradeResult, GradeStatus } from '../grader/grade-result.ts';
import type { Protocol } from '../grader/protocol-names.ts';
import type { LatePolicy } from './late-policy.ts';
import type { AssignmentRelease } from './release-state.ts';

export type Role = 'instructor' | 'ta' | 'student';
export const ROLES: readonly Role[] = ['instructor', 'ta', 'student'];

/**
 * What a token may do. `read`: GET anything the user may see. `submit`: create submissions.
 * `author`: upload grader images and drafts, publish, run author tests, download submissions for
 * `grade remote`. `manage`: course set-up (apply, members, assignments), users and tokens (admins).
 */
export type Scope = 'read' | 'submit' | 'author' | 'manage';
export const SCOPES: readonly Scope[] = ['read', 'submit', 'author', 'manage'];

export interface User {
  /** Login name: lower-case letters, digits, `.`, `_`, `-`; 1–64 characters. */
  login: string;
  displayName: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  login: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /**
   * The token this one was minted with, when its user issued it for themselves: it expires no
   * later, has no more scopes, and is revoked with it. Null for tokens an admin issued to the user.
   */
  parentId: string | null;
}

/** Usable (neither revoked nor expired) tokens one user may hold at once. */
export const MAX_TOKENS_PER_USER = 50;

/** Returned once, when a token is made; only a hash is stored. */
export interface IssuedToken extends ApiToken {
  token: string;
}

/** Who is calling: resolved from a token by `Accounts.authenticate`. */
export interface Actor {
  login: string;
  isAdmin: boolean;
  scopes: Scope[];
  tokenId: string;
}

export interface Course {
  /** Slug chosen by the instructor, e.g. `cs101-2026`. */
  id: string;
  title: string;
  createdAt: string;
  /** The caller's role in the course; null for an admin who is no member. */
  myRole: Role | null;
}

export interface Member {
  login: string;
  displayName: string;
  role: Role;
}

export interface Part {
  /** Slug, unique in its assignment; Coursera's part id (env `partId`). */
  id: string;
  title: string;
  points: number;
  /** The live grader, if one is published. */
  published: GraderVersion | null;
  /** The newest draft not yet published (staff only; null for students). */
  draft: GraderVersion | null;
}

/** With its submission limits (staff are exempt), late rules and grading workflow (docs/course-workflow.md). */
export interface Assignment extends SubmissionLimits, GradingWorkflow {
  courseId: string;
  /** Slug, unique in its course. */
  id: string;
  title: string;
  deadline: string | null;
  /** How much of a grade late work keeps (src/platform/late-policy.ts); null: no penalty. */
  latePolicy: LatePolicy | null;
  /** After it (moved by a student's extension) students' submissions are refused; null: never. */
  cutoff: string | null;
  parts: Part[];
  /** The assignment's autograde grader (`autograde: script`): live version and, for staff, a newer draft. */
  autogradeGrader: { published: AutogradeGrader | null; draft: AutogradeGrader | null };
  /** Whether students see scores and `after_published` tests (src/platform/release-state.ts). */
  release: AssignmentRelease;
  createdAt: string;
  /** Students see its leaderboard (course file `leaderboard: true`; docs/course-workflow.md "Leaderboard"). */
  leaderboard: boolean;
}

/** `submit`: every submission is graded and the newest counts; `completion`: graded when completed. */
export type GradeTrigger = 'submit' | 'completion';
export const GRADE_TRIGGERS: readonly GradeTrigger[] = ['submit', 'completion'];
/** With trigger `completion`: parts graded as submissions arrive, or only at completion. */
export type PartFeedback = 'immediate' | 'on-completion';
export const PART_FEEDBACKS: readonly PartFeedback[] = ['immediate', 'on-completion'];

/** How an assignment turns work into a grade, as its course file sets it. */
export interface GradingWorkflow {
  trigger: GradeTrigger;
  partFeedback: PartFeedback;
  /** When every student's work is completed automatically (trigger completion); null: never. */
  completeAt: string | null;
  /** The autograde method (src/platform/autograde-methods.ts), e.g. `aggregate`. */
  autograde: string;
}

/** How a completion came about. */
export type CompletionHow = 'student' | 'staff' | 'all' | 'expiry';

/** A student's "this is final" mark on an assignment. */
export interface Completion {
  courseId: string;
  assignmentId: string;
  login: string;
  /** Codio's completedDate: the time lateness is measured at. */
  completedAt: string;
  /** Who completed it: the student, a staff login, or `gradebox` for the expiry. */
  completedBy: string;
  how: CompletionHow;
  /** The submission frozen as the one graded; null when there was none (a grade of 0). */
  submissionId: string | null;
}

/** What a completion request changed. */
export interface CompletionOutcome {
  /** The completions made (or, for un-complete, removed). */
  completions: Completion[];
  /** How many students changed (with `all`: those not completed before). */
  changed: number;
}

/**
 * A student's assignment grade: `not-submitted` (trigger submit, nothing yet), `not-completed`
 * (trigger completion), `pending` (parts or the method still working), `graded`, `no-submission`
 * (completed without a submission: 0), `error` (the method could not grade).
 */
export type AssignmentGradeStatus = 'not-submitted' | 'not-completed' | 'pending' | 'graded' | 'no-submission' | 'error';

/** One part's share of an assignment grade. */
export interface GradePart {
  partId: string;
  /** Points possible (the part's weight). */
  points: number;
  /** Points earned by the counting submission's newest result; null while it has none, or hidden from the student. */
  earned: number | null;
  /** The part result's status; null while it has none. */
  status: GradeStatus | null;
  /** Only when staff set the part's points by hand: the override, which `earned` shows, and what the grader gave. */
  override?: PartOverride;
}

/** A part's points set by hand, with the points the grader gave (score × points; null: no graded result). */
export interface PartOverride extends GradeOverride {
  graderEarned: number | null;
}

/** A score set by hand by staff (src/platform/grade-overrides.ts); no regrade changes it. */
export interface GradeOverride {
  /** A part's points, or the assignment grade 0–100 (above: extra credit). */
  value: number;
  reason: string;
  setBy: string;
  setAt: string;
}

/** The late penalty applied, derived when the grade is read (src/platform/late-policy.ts). */
export interface GradeLateness {
  /** The time that counts: submittedAt (trigger submit) or completedDate (trigger completion). */
  at: string;
  secondsLate: number;
  /** What the raw grade is multiplied by. */
  factor: number;
  /** The rule that applied, for people. */
  rule: string;
  /** The student's deadline (after an extension). */
  deadline: string | null;
}

/** A student's assignment grade with its derivation: parts → method → raw → late factor → final. */
export interface AssignmentGrade {
  courseId: string;
  assignmentId: string;
  login: string;
  status: AssignmentGradeStatus;
  trigger: GradeTrigger;
  method: string;
  /** The submission that counts; null when there is none. */
  submissionId: string | null;
  /** The completion, for trigger completion (null while not completed). */
  completion: Completion | null;
  parts: GradePart[];
  pointsEarned: number | null;
  pointsPossible: number;
  /** 0–100 as the method gave it; null until graded (or when withheld from a student). */
  rawGrade: number | null;
  /** What the method said about the grade (a script's feedback); null when nothing. */
  detail: string | null;
  /** Null until there is a time that counts. */
  late: GradeLateness | null;
  /** rawGrade × late factor, rounded to 2 decimals; null until graded. */
  finalGrade: number | null;
  /** Students only: a part's result is not visible to them yet, so the grade is withheld. */
  withheld: boolean;
  /** The assignment grade set by hand: it replaces `finalGrade` (no late factor); null without one. */
  override: GradeOverride | null;
  /**
   * Students may see the scores (src/platform/release-state.ts). While false a student reads the
   * status ("graded, not released yet") but no points, grades or overrides.
   */
  released: boolean;
}

export type GraderStatus = 'draft' | 'published' | 'superseded';
export type GraderProtocol = Protocol;

/** A `script` grader's script: absolute, or relative to /home/codio/workspace, and its arguments. */
export interface GraderScript {
  path: string;
  args: string[];
}

export interface GraderVersion {
  id: string;
  courseId: string;
  assignmentId: string;
  partId: string;
  /** 1, 2, 3… per part, in upload order. */
  number: number;
  status: GraderStatus;
  /** `sha256:` image id (config digest) in the server's image store. */
  imageId: string;
  /** Null: detected from the image at grading time. */
  protocol: GraderProtocol | null;
  /**
   * Who the grader runs as inside the sandbox: `root`, `UID` or `UID:GID`. Null: the protocol's
   * default, root for Gradescope graders and uid 1000 for Coursera graders.
   */
  runAs: string | null;
  /** `script` graders only: the grading script and its arguments; null for other protocols. */
  script: GraderScript | null;
  cpus: number;
  memoryMiB: number;
  timeoutSeconds: number;
  uploadedBy: string;
  uploadedAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
}

/**
 * An assignment's own grader (the `script` autograde method): a grader version not tied to a
 * part, run once per completed student after the parts are graded. Always protocol `script`.
 */
export type AutogradeGrader = Omit<GraderVersion, 'partId'>;

/** Limits a grader version may ask for; the server's configuration sets them. */
export interface GraderLimitRanges {
  cpus: { min: number; max: number };
  memoryMiB: { min: number; max: number };
  timeoutSeconds: { min: number; max: number; default: number };
}

export const DEFAULT_GRADER_LIMIT_RANGES: GraderLimitRanges = Object.freeze({
  cpus: { min: 1, max: 4 },
  memoryMiB: { min: 1024, max: 4096 },
  timeoutSeconds: { min: 1, max: 3600, default: 1200 },
});

/** An assignment's limits on each student's submissions (staff are exempt). */
export interface SubmissionLimits {
  /** Submissions each student may make; null: no cap. */
  maxSubmissions: number | null;
  /** Seconds a student waits between two submissions; null: none. */
  minIntervalSeconds: number | null;
}

/** What a course file may set: up to a hundred thousand submissions, a week between two. */
export const SUBMISSION_LIMIT_RANGES = Object.freeze({
  maxSubmissions: Object.freeze({ min: 1, max: 100_000 }),
  minIntervalSeconds: Object.freeze({ min: 1, max: 7 * 24 * 3600 }),
});

/** Student work first, then authors' test runs, then bulk regrades. Lower runs sooner. */
export type JobPriority = 'student' | 'author-test' | 'bulk';
export const PRIORITY_ORDER: Readonly<Record<JobPriority, number>> = Object.freeze({ student: 0, 'author-test': 1, bulk: 2 });

export type JobPhase = 'queued' | 'preparing' | 'running' | 'reporting' | 'done';

export interface GradingJob {
  id: string;
  submissionId: string;
  partId: string;
  graderVersionId: string;
  priority: JobPriority;
  phase: JobPhase;
  /** When each phase began (ISO), for instructors; absent phases not reached yet. */
  phases: Partial<Record<JobPhase, string>>;
  attempts: number;
  /** Last system error that made the job run again (staff only). */
  lastError: string | null;
}

export interface SubmissionFile {
  path: string;
  size: number;
  digest: string;
}

/** `awaiting-completion`: stored but not graded yet (part feedback `on-completion`). */
export type SubmissionStatus = 'grading' | 'graded' | 'awaiting-completion';

export interface Submission {
  id: string;
  courseId: string;
  assignmentId: string;
  login: string;
  /** `sha256:` digest of the canonical file manifest: same files, same digest. */
  digest: string;
  submittedAt: string;
  files: SubmissionFile[];
  totalBytes: number;
  kind: 'student' | 'author-test';
  /** `graded` once every part has a result; `awaiting-completion` while held for completion. */
  status: SubmissionStatus;
  parts: PartOutcome[];
}

/** One part of a submission: its newest job and, when done, its result. */
export interface PartOutcome {
  partId: string;
  points: number;
  /** Staff only (null for students). */
  job: GradingJob | null;
  result: PartResult | null;
}

/**
 * A stored result. Students get a filtered copy (see `studentView`): score, feedback and the
 * tests and output the grader marked visible; staff get everything, including `full`.
 */
export interface PartResult {
  jobId: string;
  status: GradeStatus;
  /** Fraction in [0,1], null unless graded. */
  score: number | null;
  /** score × part points, rounded to 2 decimals; null unless graded. */
  points: number | null;
  feedback: GradeResult['feedback'];
  tests: GradeResult['tests'];
  /** Captured grader output, when visible to the caller. */
  output: { stdout: string; stderr: string } | null;
  createdAt: string;
  /** The whole normalized result (staff only). */
  full: GradeResult | null;
  /** Present (true) on a student's view while the assignment's scores are not released: score, feedback and tests are withheld. */
  notReleased?: true;
}

/** Declarative course set-up (`gradebox apply course.yaml`). */
export interface CourseFile {
  course: { id: string; title: string };
  members?: Array<{ login: string; displayName?: string; role: Role }>;
  assignments?: Array<{
    id: string;
    title: string;
    deadline?: string | null;
    /** Submissions each student may make; absent or null: no cap. */
    maxSubmissions?: number | null;
    /** Seconds each student waits between two submissions; absent or null: none. */
    minIntervalSeconds?: number | null;
    /** Needs a deadline. Durations as `10m`, `2d` or seconds; factors 0–1. */
    latePolicy?: { steps: Array<{ after: string | number; factor: number }> } | { percent: number; per: 'hour' | 'day'; floor?: number } | null;
    /** When students' submissions stop being accepted; not before the deadline. */
    cutoff?: string | null;
    /** Per-student deadlines; absent: extensions are left as they are. */
    extensions?: Array<{ student: string; until: string }> | null;
    /** Default `submit`. */
    trigger?: GradeTrigger;
    /** Trigger completion only; default `immediate`. */
    partFeedback?: PartFeedback;
    /** Trigger completion only: every student is completed at this time (with a time zone). */
    completeAt?: string | null;
    /** Default `aggregate`. */
    autograde?: string;
    /** Students see the assignment's leaderboard; default false. */
    leaderboard?: boolean;
    /** `immediate` (new assignments' default) or `manual`; absent: left as it is (a withdrawal stays). */
    release?: 'immediate' | 'manual';
    /** Automatic release (a time with a zone; implies `manual`); null: none; absent: left as it is. */
    releaseAt?: string | null;
    parts: Array<{ id: string; title?: string; points: number }>;
  }>;
}

/** A student's own deadline on one assignment, set by staff or the course file. */
export interface Extension {
  courseId: string;
  assignmentId: string;
  login: string;
  /** The student's deadline; their cutoff moves by as much as their deadline did. */
  until: string;
  grantedBy: string;
  grantedAt: string;
}

/** Where a student stands on an assignment's late rules at a moment (`at`, usually now). */
export interface LateStatus {
  courseId: string;
  assignmentId: string;
  login: string;
  at: string;
  /** The assignment's deadline. */
  deadline: string | null;
  /** The student's extension, if staff granted one. */
  extendedTo: string | null;
  /** The deadline that holds for this student: the extension when it is later than the deadline. */
  dueAt: string | null;
  /** The cutoff that holds for this student (moved by the extension); null: none. */
  cutoff: string | null;
  latePolicy: LatePolicy | null;
  secondsLate: number;
  /** What a grade of work counted at `at` is multiplied by. */
  factor: number;
  /** For people: `on time`, `3 h late: more than 10 min late ×0.8`… */
  rule: string;
  /** Past the cutoff: a submission now is refused (staff are exempt). */
  refused: boolean;
}

/** One change `apply` made (or, with dryRun, would make). */
export interface ApplyChange {
  action: 'create' | 'update' | 'remove' | 'unchanged';
  kind: 'course' | 'member' | 'assignment' | 'part' | 'extension';
  /** e.g. `cs101`, `cs101/alice`, `cs101/hw1`, `cs101/hw1/p1`, `cs101/hw1/alice` (an extension). */
  target: string;
  detail?: string;
  /** Applied, but something still needs doing (e.g. `autograde: script` without a published autograde grader). */
  warning?: string;
}

/** A change to a submission's grading, pushed to waiting clients (SSE). */
export interface SubmissionEvent {
  submissionId: string;
  status: SubmissionStatus;
  partId: string;
  phase: JobPhase;
}

/** The name a member appears under on the course's leaderboards (docs/course-workflow.md "Leaderboard"). */
export interface Pseudonym {
  courseId: string;
  login: string;
  pseudonym: string;
  /** False: generated at random, since the student chose none. */
  chosen: boolean;
}

/** One student's row in a leaderboard column. */
export interface LeaderboardRow {
  /** 1 for the best; equal values share a rank (1, 1, 3). */
  rank: number;
  pseudonym: string;
  /** Staff only: who it is. */
  login?: string;
  /** As the grader gave it (text cut at 100 characters). */
  value: number | string;
  /** The caller's own row. */
  you?: true;
}

/** One leaderboard entry name (Gradescope's `leaderboard[].name`) with every student ranked by it. */
export interface LeaderboardColumn {
  name: string;
  /** `desc` (Gradescope's default): higher values rank first; `asc`: lower ones. */
  order: 'asc' | 'desc';
  rows: LeaderboardRow[];
}

/** An assignment's leaderboard: from each student's counting submission's newest results. */
export interface Leaderboard {
  courseId: string;
  assignmentId: string;
  columns: LeaderboardColumn[];
}

/** A part's result as a golden expects it or got it: the status and, when `graded`, the points. */
export interface GoldenOutcome {
  status: GradeStatus;
  /** score × the part's points, rounded to 2 decimals; null unless graded. */
  points: number | null;
}

/** What a golden must get on one part, and who set it. */
export interface GoldenExpectation extends GoldenOutcome {
  partId: string;
  /** `pinned`: set when pinning; `accepted`: a publish with acceptChanges took a changed result. */
  how: 'pinned' | 'accepted';
  setBy: string;
  setAt: string;
}

/**
 * How a golden fares with a part's newest draft: `not-run` (no grading with it yet), `grading`,
 * `matches` or `changed` (the result differs from the expectation, or there is none for the part).
 */
export type GoldenDraftState = 'not-run' | 'grading' | 'matches' | 'changed';

export interface GoldenDraftCheck {
  goldenId: string;
  label: string;
  partId: string;
  graderVersionId: string;
  /** The draft's number (v3). */
  graderNumber: number;
  state: GoldenDraftState;
  /** Null when the golden has no expectation for the part. */
  expected: GoldenOutcome | null;
  /** The draft's result; null unless `matches` or `changed`. */
  got: GoldenOutcome | null;
  /** The author-test copy the draft graded; null when `not-run`. */
  runSubmissionId: string | null;
  /** Tests whose status differs from the pinned submission's result for the part (`changed` only; empty when unknown). */
  changedTests: string[];
}

/**
 * A submission staff pinned with its expected results: publishing a draft that changes them is
 * refused unless accepted (docs/course-workflow.md "Golden submissions").
 */
export interface GoldenSubmission {
  /** `gold_…` */
  id: string;
  courseId: string;
  assignmentId: string;
  /** The pinned submission; a student's is never graded again: goldens run on author-test copies. */
  submissionId: string;
  /** Whose the pinned submission is, and whether it is a student's work or an author-test sample. */
  source: { login: string; kind: 'student' | 'author-test' };
  label: string;
  pinnedBy: string;
  pinnedAt: string;
  expected: GoldenExpectation[];
  /** Against each part's newest draft (parts without a draft are not listed). */
  drafts: GoldenDraftCheck[];
}

/** What `runGoldens` queued: one author-test copy per golden with a draft it was not graded by. */
export interface GoldenRunOutcome {
  runs: Array<{ goldenId: string; label: string; submissionId: string; parts: string[] }>;
  /** Goldens already graded (or being graded) by every draft. */
  upToDate: number;
}
