import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Written for both dialects: ids are app-generated text, times
 * are ISO-8601 UTC text (`Date#toISOString`, so text order is time order), booleans are integer
 * 0/1 and JSON is text. Migrations in ./migrations/ create exactly these columns.
 */

export interface UsersTable {
  login: string;
  display_name: string;
  /** 0 or 1. */
  is_admin: number;
  created_at: string;
}

export interface ApiTokensTable {
  /** `tok_…` */
  id: string;
  login: string;
  name: string;
  /** Hex SHA-256 of the whole token; the token itself is never stored. */
  token_hash: string;
  /** JSON array of scopes. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The token that minted this one when its user issued it for themselves; null otherwise. */
  parent_id: string | null;
}

export interface CoursesTable {
  /** The course's slug. */
  id: string;
  title: string;
  created_at: string;
}

export interface MembershipsTable {
  course_id: string;
  login: string;
  role: string;
  created_at: string;
}

export interface AssignmentsTable {
  course_id: string;
  /** Slug, unique in the course. */
  id: string;
  title: string;
  deadline: string | null;
  /** Order in the course file. */
  position: number;
  created_at: string;
  /** Submissions a student may make (null: no cap). */
  max_submissions: number | null;
  /** Seconds a student must wait between two submissions (null: none). */
  min_interval_seconds: number | null;
  /** JSON of a `LatePolicy` (null: no penalty). */
  late_policy: string | null;
  /** When students' submissions stop being accepted (null: never). */
  cutoff: string | null;
  /** `submit` or `completion`: what makes a student's assignment grade. */
  trigger: Generated<string>;
  /** `immediate` or `on-completion` (trigger completion): when parts are graded. */
  part_feedback: Generated<string>;
  /** When every student's work is completed automatically (null: never). */
  complete_at: string | null;
  /** The autograde method's name (src/platform/autograde-methods.ts). */
  autograde: Generated<string>;
  /** `immediate` (students see scores once graded) or `manual` (hidden until released): src/platform/release-state.ts. */
  release_mode: Generated<string>;
  /** When grades are released automatically (null: only by staff). */
  release_at: string | null;
  /** When staff (or the automatic release) released the grades; null: not released. */
  released_at: string | null;
  released_by: string | null;
  /** 1: students see the assignment's leaderboard (course file `leaderboard: true`); 0: none. */
  leaderboard: Generated<number>;
}

/** The name a member appears under on the course's leaderboards (docs/course-workflow.md "Leaderboard"). */
export interface PseudonymsTable {
  course_id: string;
  login: string;
  /** As shown (NFC, checked by src/platform/pseudonym-names.ts). */
  pseudonym: string;
  /** Look-alikes folded together; unique in the course. */
  pseudonym_key: string;
  /** 1: the student chose it; 0: generated at random for a student who has not. */
  chosen: number;
  set_at: string;
}

/** A student's own deadline on an assignment. */
export interface ExtensionsTable {
  course_id: string;
  assignment_id: string;
  login: string;
  until: string;
  granted_by: string;
  granted_at: string;
}

export interface PartsTable {
  course_id: string;
  assignment_id: string;
  /** Slug, unique in the assignment. */
  id: string;
  title: string;
  points: number;
  position: number;
}

export interface GraderVersionsTable {
  /** `gv_…` */
  id: string;
  course_id: string;
  assignment_id: string;
  part_id: string;
  number: number;
  status: string;
  image_id: string;
  protocol: string | null;
  /** `root`, `UID` or `UID:GID`; null: the protocol's default. */
  run_as: string | null;
  /** `script` graders: the grading script's path in the image, and its arguments as a JSON array. */
  script_path: string | null;
  script_args: string | null;
  cpus: number;
  memory_mib: number;
  timeout_seconds: number;
  uploaded_by: string;
  uploaded_at: string;
  published_by: string | null;
  published_at: string | null;
}

export interface SubmissionsTable {
  /** `sub_…` */
  id: string;
  course_id: string;
  assignment_id: string;
  login: string;
  digest: string;
  submitted_at: string;
  total_bytes: number;
  kind: string;
}

export interface SubmissionFilesTable {
  submission_id: string;
  path: string;
  size: number;
  digest: string;
}

export interface GradingJobsTable {
  /** `job_…`; also the queue's job id. */
  id: string;
  submission_id: string;
  part_id: string;
  grader_version_id: string;
  priority: string;
  phase: string;
  queued_at: string;
  preparing_at: string | null;
  running_at: string | null;
  reporting_at: string | null;
  done_at: string | null;
  attempts: number;
  system_errors: Generated<number>;
  last_error: string | null;
  /** The regrade that queued the job (`rg_…`); null for a submission's own grading. */
  regrade_id: Generated<string | null>;
  /** 1: a regrade's result not made official yet, invisible to every reader (official-jobs.ts). */
  shadow: Generated<number>;
  /** The worker that took the last attempt (its lease's holder when the attempt started); null before one did. */
  worker: Generated<string | null>;
}

export interface ResultsTable {
  /** Primary key: one result per job, whatever the number of deliveries. */
  job_id: string;
  submission_id: string;
  status: string;
  score: number | null;
  /** The whole GradeResult as JSON, or '' when `result_gzip` holds it (src/grader/stored-result.ts). */
  result: string;
  /** The whole GradeResult as gzip-compressed JSON, for big results; else null. */
  result_gzip: Uint8Array | null;
  /** Length of the result's JSON (compressed or not); null for results stored before it was kept. */
  result_bytes: number | null;
  created_at: string;
}

export interface QueueJobsTable {
  /** The grading job's id. */
  id: string;
  priority: number;
  cpus: number;
  memory_mib: number;
  enqueued_at: string;
  /** Not claimable before this time (retry delay). */
  not_before: string;
  leased_by: string | null;
  lease_until: string | null;
  /** Claims so far. */
  attempts: number;
  last_error: string | null;
  /** Whose job it is (the submitting user's login): claims are fair between owners. */
  owner: string;
  /** The owner's course: claims are fair between courses first. */
  course: string;
}

/** One row per priority, course and owner with jobs in `queue_jobs`: what a claim ranks. */
export interface QueueOwnersTable {
  priority: number;
  course: string;
  owner: string;
  /** The owner's rows of this priority in `queue_jobs` (waiting or leased); the row goes at 0. */
  queued: number;
  /** When the row was made: FIFO between owners equal in every other respect. */
  since: string;
}

/** When a course (`kind` 'course') or an owner ('owner') last had a job claimed. */
export interface QueueServiceTable {
  kind: string;
  name: string;
  served_at: string;
}

/** A worker taking jobs from the queue, as it announced itself (src/queue/job-queue.ts `announceWorker`). */
export interface QueueWorkersTable {
  worker_id: string;
  host: string;
  slots: number;
  cpus: number;
  memory_mib: number;
  started_at: string;
  /** Its latest announcement: every few seconds while it runs. */
  seen_at: string;
}

/** Grader images by the course they were uploaded to (drafts may only use their course's images). */
export interface CourseImagesTable {
  course_id: string;
  image_id: string;
  uploaded_by: string;
  uploaded_at: string;
}

/** A student's completed assignment: who completed it, when, how, and the submission it froze. */
export interface CompletionsTable {
  course_id: string;
  assignment_id: string;
  login: string;
  completed_at: string;
  completed_by: string;
  /** `student`, `staff`, `all` or `expiry`. */
  how: string;
  /** The newest submission at completion; null when there was none. */
  submission_id: string | null;
}

/** An assignment's `complete_at` as a durable action: claimed with a lease, done once. */
export interface CompletionSchedulesTable {
  course_id: string;
  assignment_id: string;
  due_at: string;
  leased_by: string | null;
  lease_until: string | null;
  done_at: string | null;
  /** Students this run completed (for the log and tests). */
  completed: Generated<number>;
}

/** A student's stored raw assignment grade; the late penalty is derived when it is read. */
export interface AssignmentGradesTable {
  course_id: string;
  assignment_id: string;
  login: string;
  /** The submission the grade comes from; null: no submission. */
  submission_id: string | null;
  method: string;
  /** `pending` (parts still grading), `graded`, `no-submission` or `error`. */
  status: string;
  /** 0–100; null while pending. */
  raw_grade: number | null;
  /** What the method said about the grade (e.g. a script's feedback), or null. */
  detail: string | null;
  /** The time lateness is measured at: submittedAt (trigger submit) or completedDate (trigger completion). */
  counts_at: string | null;
  updated_at: string;
}

/** An assignment's own grader versions (the `script` autograde method), not tied to a part. */
export interface AutogradeGradersTable {
  /** `agv_…` */
  id: string;
  course_id: string;
  assignment_id: string;
  number: number;
  status: string;
  image_id: string;
  protocol: string | null;
  run_as: string | null;
  script_path: string | null;
  script_args: string | null;
  cpus: number;
  memory_mib: number;
  timeout_seconds: number;
  uploaded_by: string;
  uploaded_at: string;
  published_by: string | null;
  published_at: string | null;
}

/** One run of an assignment's autograde grader for one student's counting work. */
export interface AutogradeJobsTable {
  /** `agj_…`; also the queue's job id. */
  id: string;
  course_id: string;
  assignment_id: string;
  login: string;
  submission_id: string;
  counts_at: string;
  grader_id: string;
  queued_at: string;
  attempts: Generated<number>;
  system_errors: Generated<number>;
  last_error: string | null;
  /** Null while it runs; then `graded` (raw_grade set) or `error` (detail says why). */
  status: string | null;
  raw_grade: number | null;
  detail: string | null;
  done_at: string | null;
}

/** A score set by hand: a part's points (`part_id`) or the assignment grade 0–100 (`part_id` ''). */
export interface GradeOverridesTable {
  course_id: string;
  assignment_id: string;
  login: string;
  part_id: string;
  value: number;
  reason: string;
  set_by: string;
  set_at: string;
}

/** One change of a student's grade (src/platform/grade-log.ts). */
export interface GradeLogTable {
  /** Increasing: the order of the log and the cursor of its feed. */
  seq: Generated<number>;
  course_id: string;
  assignment_id: string;
  login: string;
  /** The part whose points changed, or '' for the assignment grade. */
  part_id: string;
  /** A `GradeCause`. */
  cause: string;
  old_value: number | null;
  new_value: number | null;
  /** Who made the change; null for gradebox itself (a grader's result, an automatic release). */
  actor: string | null;
  reason: string | null;
  /** 1 when the student can see this grade (released): an event for the LMS. */
  released: Generated<number>;
  at: string;
}

/** A submission staff pinned with its expected per-part results (src/platform/golden.ts). */
export interface GoldenSubmissionsTable {
  /** `gold_…` */
  id: string;
  course_id: string;
  assignment_id: string;
  /** The pinned submission: a student's real one or an author-test sample. */
  submission_id: string;
  label: string;
  pinned_by: string;
  pinned_at: string;
}

/** What a golden must get on one part: a result status and, when `graded`, its points. */
export interface GoldenExpectationsTable {
  golden_id: string;
  course_id: string;
  assignment_id: string;
  part_id: string;
  status: string;
  points: number | null;
  /** `pinned` (set when pinning) or `accepted` (a publish took a changed result). */
  how: string;
  set_by: string;
  set_at: string;
}

/** A golden graded by a grader version: the job, on an author-test copy of the golden's files. */
export interface GoldenRunsTable {
  golden_id: string;
  grader_version_id: string;
  part_id: string;
  job_id: string;
  /** The author-test copy the job grades. */
  submission_id: string;
  created_at: string;
}

/** A regrade of an assignment (src/platform/regrades.ts). */
export interface RegradesTable {
  /** `rg_…` */
  id: string;
  course_id: string;
  assignment_id: string;
  /** JSON `{ students: string[] | null, parts: string[] | null }`: null means every one. */
  selection: string;
  /** JSON RegradeGrader: `{ kind: 'published' }`, `{ kind: 'draft' }` or `{ kind: 'version', number }`. */
  grader: string;
  /** JSON `{ [partId]: graderVersionId }`: the versions the jobs run. */
  versions: string;
  /** JSON `{ published: { [partId]: id | null }, drafts: { [partId]: id | null } }` at the start: apply is refused once it changed. */
  basis: string;
  /** 1: a dry run (shadow results until apply). */
  dry_run: number;
  /** `running`, `finished`, `cancelled`, `applied`, `discarded`. */
  state: string;
  /** 1 while running or, for a dry run, until applied or discarded; else null (one open per assignment). */
  open: number | null;
  /** Jobs queued at the start. */
  total: number;
  created_by: string;
  created_at: string;
  /** When the last job finished (or the regrade was cancelled). */
  finished_at: string | null;
  /** Who applied, discarded or cancelled it, and when. */
  closed_by: string | null;
  closed_at: string | null;
}

/** Migration 0017: a user's scrypt password hash (`scrypt$N$r$p$salt$hash`, base64url). */
export interface UserPasswordsTable {
  login: string;
  password_hash: string;
  set_at: string;
}

/** Migration 0017: a browser session, by the SHA-256 of its random id; the CSRF token is bound to it. */
export interface WebSessionsTable {
  id_hash: string;
  login: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** Migration 0017: a one-time link to set one's password, by the SHA-256 of its token. */
export interface InvitationsTable {
  token_hash: string;
  login: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface Database {
  users: UsersTable;
  user_passwords: UserPasswordsTable;
  web_sessions: WebSessionsTable;
  invitations: InvitationsTable;
  api_tokens: ApiTokensTable;
  courses: CoursesTable;
  memberships: MembershipsTable;
  assignments: AssignmentsTable;
  parts: PartsTable;
  extensions: ExtensionsTable;
  grader_versions: GraderVersionsTable;
  course_images: CourseImagesTable;
  submissions: SubmissionsTable;
  submission_files: SubmissionFilesTable;
  grading_jobs: GradingJobsTable;
  results: ResultsTable;
  queue_jobs: QueueJobsTable;
  queue_owners: QueueOwnersTable;
  queue_service: QueueServiceTable;
  queue_workers: QueueWorkersTable;
  completions: CompletionsTable;
  completion_schedules: CompletionSchedulesTable;
  assignment_grades: AssignmentGradesTable;
  autograde_graders: AutogradeGradersTable;
  autograde_jobs: AutogradeJobsTable;
  grade_overrides: GradeOverridesTable;
  grade_log: GradeLogTable;
  pseudonyms: PseudonymsTable;
  golden_submissions: GoldenSubmissionsTable;
  golden_expectations: GoldenExpectationsTable;
  golden_runs: GoldenRunsTable;
  release_schedules: ReleaseSchedulesTable;
  regrades: RegradesTable;
  autograde_tests: AutogradeTestsTable;
  robustness_cases: RobustnessCasesTable;
}

/** Staff's test runs of an autograde grader on a sample with simulated part results (0018). */
export interface AutogradeTestsTable {
  /** `agt_…`; also the queue's job id. */
  id: string;
  course_id: string;
  assignment_id: string;
  /** The sample: an `author-test` submission without part jobs. */
  submission_id: string;
  grader_id: string;
  requested_by: string;
  /** JSON: [{ part, points, earned }] as the script is told (earned null: not answered). */
  part_results: string;
  queued_at: string;
  attempts: Generated<number>;
  system_errors: Generated<number>;
  last_error: string | null;
  /** Null while it runs; then `graded` (raw_grade set) or `error` (detail says why). */
  status: string | null;
  raw_grade: number | null;
  detail: string | null;
  /** The script's whole GradeResult as JSON, or '' when `result_gzip` holds it; null while it runs. */
  result: string | null;
  result_gzip: Uint8Array | null;
  done_at: string | null;
}

/** One hostile case of a robustness check run on the server (0019). */
export interface RobustnessCasesTable {
  /** `rbc_…`, shared by the check's cases. */
  check_id: string;
  case_id: string;
  position: number;
  course_id: string;
  assignment_id: string;
  part_id: string;
  grader_version_id: string;
  requested_by: string;
  created_at: string;
  /** The author-test submission that carried the case; null when skipped. */
  submission_id: string | null;
  /** Why the case was not run; null when it was. */
  skipped: string | null;
  /** 1 when full marks could be right for the case's files (see fullMarksPossible). */
  full_marks_possible: number;
}

/** An assignment's `release_at` as a durable action: its release events are recorded once (0016). */
export interface ReleaseSchedulesTable {
  course_id: string;
  assignment_id: string;
  due_at: string;
  leased_by: string | null;
  lease_until: string | null;
  done_at: string | null;
  /** Release events recorded when it ran (0 when staff had released already). */
  events: number;
}

/** Every table, children before parents: the order to empty them in. */
export const TABLES_CHILD_FIRST: readonly (keyof Database)[] = [
  'robustness_cases',
  'pseudonyms',
  'queue_service',
  'queue_workers',
  'queue_owners',
  'queue_jobs',
  'golden_runs',
  'golden_expectations',
  'golden_submissions',
  'release_schedules',
  'grade_log',
  'grade_overrides',
  'autograde_tests',
  'autograde_jobs',
  'autograde_graders',
  'assignment_grades',
  'completion_schedules',
  'completions',
  'results',
  'grading_jobs',
  'regrades',
  'submission_files',
  'submissions',
  'grader_versions',
  'course_images',
  'parts',
  'extensions',
  'assignments',
  'memberships',
  'courses',
  'api_tokens',
  'invitations',
  'web_sessions',
  'user_passwords',
  'users',
];
