/** Process exit codes of the `gradebox` command, documented in README.md ("Exit codes"). */
export const ExitCode = {
  /** The command did what was asked; for `grade`, the submission was graded. */
  ok: 0,
  /**
   * The grader failed: unusable image, crash, invalid output, timeout, or any status other than
   * `graded`; for `check-grader`, a hostile case the grader mishandled.
   */
  graderError: 1,
  /** The command line was wrong: unknown option, bad value, missing file. */
  usage: 2,
  /**
   * Server commands: failed for good, running again will not help: the server refused (not found,
   * forbidden, invalid, not ready), no token or a refused one, a part not graded (`submit --wait`),
   * a sample not graded or refused (`test-grader`), a run with no grade (`test-autograde`), no such
   * grader version or no draft to test.
   */
  failed: 1,
  /**
   * Server commands: the server was busy (429, 503, 507), unreachable, or `--wait` ran out of time;
   * nothing the server holds is wrong: run the command again later. The same number as `usage`
   * (nothing was refused by the server: fix the command line, or retry); for `publish`, CI scripts
   * retry on 2 (see README "gradebox publish").
   */
  retryLater: 2,
  /** The machine cannot sandbox: runtime missing, kernel feature absent, not permitted. */
  environment: 3,
  /** Interrupted by Ctrl-C (SIGINT); everything started was cleaned up. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15); everything started was cleaned up. */
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
