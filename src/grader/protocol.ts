import type { ImageConfig } from '../image/image.ts';
import type { Limits } from '../sandbox/limits.ts';
import type { ListedTree, RunOutcome, RunSpec, TreeSource } from '../sandbox/sandbox.ts';
import type { Feedback, GradeResult, GradeStatus, Protocol, TestResult, Visibility } from './grade-result.ts';

/** What the platform knows about the assignment (all optional for local runs). */
export interface AssignmentInfo {
  id?: string | number;
  title?: string;
  /** Points the whole assignment is worth; Gradescope graders see it, and it normalizes a bare `score`. */
  totalPoints?: number;
  dueDate?: Date;
  releaseDate?: Date;
  lateDueDate?: Date;
}

/** Everything a protocol needs to plan one run. */
export interface PlanContext {
  image: ImageConfig;
  /** The submission's files, to copy into the run (already checked by `checkSubmission`). */
  submissionTree: TreeSource;
  /** Extra arguments, as in `docker run IMAGE args…`. */
  args: readonly string[];
  /** User-supplied environment (`--env`); wins over the image's and the protocol's variables. */
  env: Readonly<Record<string, string>>;
  /** Coursera part id (env `partId`); not set when absent. */
  partId?: string;
  /** Coursera `filename`: the file the learner submitted for the part; not set when unknown. */
  filename?: string;
  /** The student, as the grader sees them (Coursera `userId`, Gradescope `users[0]`). */
  student: { id: string | number; name: string; email: string };
  submission: { id: string | number; createdAt: Date };
  assignment?: AssignmentInfo;
  /** The `script` protocol's grading script and Codio's surroundings; required by that protocol only. */
  script?: ScriptSetup;
}

/** A `script` run (see protocols/script.ts). */
export interface ScriptSetup {
  /** The grading script: absolute, or relative to /home/codio/workspace. */
  path: string;
  /** CODIO_AUTOGRADE_ENV's JSON; default: built from the student and assignment, with no parts. */
  autogradeEnv?: string;
  /** What /usr/share/codio holds (script-assets.ts `codioTree`). */
  tools: ListedTree;
  /** Host path of the image's /home/codio/workspace/.guides, when it has one. */
  guides?: string;
  /** The reporting URLs' token; default a fresh random one. */
  token?: string;
}

/** The run-specific part of a RunSpec; the orchestrator adds image, user, limits and the rest. */
export type RunPlan = Pick<RunSpec, 'argv' | 'env' | 'cwd' | 'volumes' | 'files' | 'outputs'>;

export interface InterpretContext {
  limits: Limits;
  assignment?: AssignmentInfo;
}

/** The GradeResult fields a protocol decides from a run's outcome. */
export interface Interpretation {
  status: GradeStatus;
  score: number | null;
  points: GradeResult['points'];
  feedback: Feedback;
  tests: TestResult[];
  errors: string[];
  warnings: string[];
  /** Who may see the score and feedback. */
  visibility: Visibility;
  /** Who may see the captured stdout/stderr; `explicit` when the grader chose it (Gradescope `stdout_visibility`). */
  outputVisibility: { value: Visibility; explicit: boolean };
  leaderboard?: unknown[];
  extraData?: unknown;
}

/**
 * One grader contract (how a grader is started, where it finds the submission, how it reports).
 * Both methods are pure: planning touches no file, interpreting only reads the outcome.
 */
export interface GraderProtocol {
  readonly name: Protocol;
  plan(context: PlanContext): RunPlan;
  interpret(outcome: RunOutcome, context: InterpretContext): Interpretation;
}
