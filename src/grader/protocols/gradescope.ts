/**
 * The Gradescope autograder contract, so existing Gradescope autograders run unchanged (except that
 * they run as a non-root uid: see the README).
 *
 * - Chosen when the image has `/autograder/run_autograder` (see `detectProtocol`).
 * - Command: `/autograder/run_autograder` (plus any extra args, which Gradescope never passes), in
 *   `/autograder`, with the image's env and the user's `--env` pairs.
 * - `/autograder/submission` (a copy of the submission) and `/autograder/results` are fresh
 *   directories writable by the grader's uid; `/autograder/submission_metadata.json` describes the
 *   submission, assignment and student.
 * - Report: `/autograder/results/results.json` (see gradescope-output.ts); no stdout fallback.
 * - Students see the captured stdout only when the grader sets `stdout_visibility: "visible"`.
 */
import { RUN_AUTOGRADER } from '../protocol-names.ts';
import { containerEnv } from '../image-command.ts';
import { interpretRun, type GradedFields } from '../interpret-run.ts';
import type { Checked } from '../json-fields.ts';
import { readText } from '../output-file.ts';
import type { GraderProtocol, InterpretContext, PlanContext, RunPlan } from '../protocol.ts';
import type { RunOutcome } from '../../sandbox/sandbox.ts';
import { submissionMetadata } from './gradescope-metadata.ts';
import { parseGradescopeResults } from './gradescope-output.ts';

export { RUN_AUTOGRADER };
export const AUTOGRADER_DIR = '/autograder';
export const SUBMISSION_DIR = '/autograder/submission';
export const RESULTS_DIR = '/autograder/results';
export const RESULTS_FILE = '/autograder/results/results.json';
export const METADATA_FILE = '/autograder/submission_metadata.json';

export const gradescope: GraderProtocol = {
  name: 'gradescope',

  plan(context: PlanContext): RunPlan {
    return {
      argv: [RUN_AUTOGRADER, ...context.args],
      env: containerEnv(context.image.env, context.env),
      cwd: AUTOGRADER_DIR,
      volumes: [
        { target: SUBMISSION_DIR, readOnly: false, owner: 'user', copyFrom: context.submissionTree },
        { target: RESULTS_DIR, readOnly: false, owner: 'user' },
      ],
      files: [{ target: METADATA_FILE, content: `${JSON.stringify(submissionMetadata(context), null, 2)}\n` }],
      outputs: [RESULTS_FILE],
    };
  },

  interpret(outcome, context) {
    return interpretRun(outcome, context.limits, () => readResults(outcome, context));
  },
};

function readResults(outcome: RunOutcome, context: InterpretContext): Checked<GradedFields> {
  const file = outcome.outputs[RESULTS_FILE] ?? { ok: false, missing: true, error: '' };
  const text = readText(file, RESULTS_FILE);
  if (!text.ok) return { ok: false, errors: [text.error], warnings: [] };
  const results = parseGradescopeResults(text.text, { source: RESULTS_FILE, totalPoints: context.assignment?.totalPoints });
  if (!results.ok) return results;
  const { score, points, feedback, tests, visibility, stdoutVisibility, leaderboard, extraData } = results.value;
  const value: GradedFields = {
    score,
    points,
    feedback,
    tests,
    visibility,
    outputVisibility: { value: stdoutVisibility ?? 'hidden', explicit: stdoutVisibility !== undefined },
  };
  if (leaderboard !== undefined) value.leaderboard = leaderboard;
  if (extraData !== undefined) value.extraData = extraData;
  return { ok: true, value, warnings: results.warnings };
}
