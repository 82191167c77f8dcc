import type { CapturedOutput, EndReason, RunUser, Usage } from '../sandbox/sandbox.ts';
import type { Limits } from '../sandbox/limits.ts';

import type { Protocol } from './protocol-names.ts';

export type { Protocol };

export type GradeStatus =
  | 'graded'
  | 'not-gradable'
  | 'grader-error'
  | 'timeout'
  | 'out-of-memory'
  | 'output-limit';

/** How feedback text is rendered. `ansi`: plain text with terminal colour codes (Gradescope's `ansi`). */
export type FeedbackFormat = 'text' | 'html' | 'markdown' | 'ansi';

export interface Feedback {
  text: string;
  format: FeedbackFormat;
}

/** One test case as a grader reported it (Gradescope `tests[]`). */
export interface TestResult {
  name: string;
  score: number | null;
  maxScore: number | null;
  status: 'passed' | 'failed' | null;
  output: string;
  outputFormat: FeedbackFormat;
  /** Gradescope visibility: who may see this test. */
  visibility: Visibility;
}

export type Visibility = 'visible' | 'hidden' | 'after_due_date' | 'after_published';

/** The normalized outcome of one grading, whatever the protocol. */
export interface GradeResult {
  status: GradeStatus;
  /**
   * Fraction of the points earned, in [0, 1]; null unless status is `graded`, and null for a
   * graded result whose points possible are unknown (`points.possible` null).
   */
  score: number | null;
  /** Points when the grader reports them (Gradescope), else null; `possible` null when nothing says it. */
  points: { earned: number; possible: number | null } | null;
  feedback: Feedback;
  tests: TestResult[];
  /** One precise message per fault in the grader's output (for authors, not students). */
  errors: string[];
  /**
   * Things an author should fix that did not stop the grading (unknown keys, a non-zero exit code
   * next to a valid result, extra credit capped at 1). Empty for a clean run; never shown to students.
   */
  warnings: string[];
  /** Captured grader output; shown to students only when `visibleToStudents`. */
  output: {
    stdout: CapturedOutput;
    stderr: CapturedOutput;
    visibleToStudents: boolean;
    /** Gradescope's `stdout_visibility` when the grader set it; `visibleToStudents` is true only for `visible`. */
    visibility?: Visibility;
  };
  /**
   * Usage of the run; all zero with reason `exited` and exitCode null when no run was started
   * (`not-gradable`). `user`: the uid/gid the grader ran as inside the sandbox (absent when no run
   * was started).
   */
  run: Usage & { reason: EndReason; exitCode: number | null; signal: string | null; user?: RunUser };
  protocol: Protocol;
  image: { id: string };
  limits: Limits;
  /** Gradescope leaderboard entries, passed through. */
  leaderboard?: unknown[];
  /** Who may see the score and feedback (Gradescope's top-level `visibility`); absent means `visible`. */
  visibility?: Visibility;
  /** Gradescope's `extra_data`, passed through for the platform. */
  extraData?: unknown;
  /** Host path of the run's kept scratch files (`keep` / `--no-rm`). */
  keptAt?: string;
}
