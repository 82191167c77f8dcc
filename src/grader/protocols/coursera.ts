/**
 * The Coursera grader contract (Autograder 2.0), so existing Coursera graders run unchanged.
 *
 * - Command: the image's ENTRYPOINT + (extra args, else CMD), exactly as `docker run IMAGE args`.
 *   Without extra args, a known part id is also passed the way Coursera's first runner passed it,
 *   as the two arguments `partId <id>` after ENTRYPOINT + CMD (see `courseraArgv`).
 * - Env: the image's, then `partId`, `filename`, `userId` (how Autograder 2.0 passes them), then
 *   the user's `--env` pairs.
 * - `/shared`: a fresh directory writable by the grader's uid; `/shared/submission`: the submission,
 *   read-only. Working directory: the image's WorkingDir, else `/`.
 * - Report: `/shared/feedback.json`, or when that file was not written, one JSON document on stdout
 *   (see `findStdoutDocument`). A feedback file the sandbox refused to read is a fault; we never fall
 *   back to stdout then, since the grader did try to write the file.
 * - Rich feedback (Coursera V2): with `feedbackType` "HTML" the student sees `/shared/htmlFeedback.html`
 *   when the grader wrote it, with "TXT" `/shared/txtFeedback.txt`; otherwise the `feedback` field.
 * - Captured stdout/stderr are never shown to students.
 */
import type { FeedbackFormat } from '../grade-result.ts';
import { containerEnv, imageArgv } from '../image-command.ts';
import { interpretRun, type GradedFields } from '../interpret-run.ts';
import type { Checked } from '../json-fields.ts';
import { isMissing, readText } from '../output-file.ts';
import type { GraderProtocol, PlanContext, RunPlan } from '../protocol.ts';
import type { RunOutcome } from '../../sandbox/sandbox.ts';
import { parseCourseraReport, parseCourseraStdout, type CourseraFeedbackType } from './coursera-output.ts';

export const SHARED_DIR = '/shared';
export const SUBMISSION_DIR = '/shared/submission';
export const FEEDBACK_FILE = '/shared/feedback.json';
export const HTML_FEEDBACK_FILE = '/shared/htmlFeedback.html';
export const TXT_FEEDBACK_FILE = '/shared/txtFeedback.txt';

const FORMATS: Record<CourseraFeedbackType, FeedbackFormat> = { TXT: 'text', HTML: 'html', MARKDOWN: 'markdown' };

export const coursera: GraderProtocol = {
  name: 'coursera',

  plan(context: PlanContext): RunPlan {
    const vars: Record<string, string> = { userId: String(context.student.id) };
    if (context.partId !== undefined) vars.partId = context.partId;
    if (context.filename !== undefined) vars.filename = context.filename;
    return {
      argv: courseraArgv(context.image, context.args, context.partId),
      env: containerEnv(context.image.env, vars, context.env),
      cwd: context.image.workingDir || '/',
      volumes: [
        { target: SHARED_DIR, readOnly: false, owner: 'user' },
        { target: SUBMISSION_DIR, readOnly: true, owner: 'user', copyFrom: context.submissionTree },
      ],
      files: [],
      outputs: [FEEDBACK_FILE, HTML_FEEDBACK_FILE, TXT_FEEDBACK_FILE],
    };
  },

  interpret(outcome, context) {
    return interpretRun(outcome, context.limits, () => readReport(outcome));
  },
};

/**
 * The command line. Coursera's first grader runner (and `courseraprogramming grade local IMAGE DIR
 * partId ID`) gave the part id as the arguments `partId <id>`, which graders of that time parse
 * from their argv; Autograder 2.0 (and `coursera_autograder`) gives it in the environment only.
 * So that both kinds run unchanged, a known part id is appended as `partId <id>` after
 * ENTRYPOINT + CMD (CMD kept: a 2.0 grader may split its command between them). Extra args given
 * explicitly are used exactly as given, in place of CMD, as `docker run IMAGE args` does; an image
 * without ENTRYPOINT gets no added arguments (its CMD is the whole command, and a first-runner
 * grader always had an ENTRYPOINT to receive them).
 */
export function courseraArgv(image: PlanContext['image'], args: readonly string[], partId: string | undefined): string[] {
  const argv = imageArgv(image, args);
  if (args.length > 0 || partId === undefined || image.entrypoint.length === 0) return argv;
  return [...argv, 'partId', partId];
}

function readReport(outcome: RunOutcome): Checked<GradedFields> {
  const file = outcome.outputs[FEEDBACK_FILE];
  let report;
  if (file === undefined || isMissing(file)) {
    report = parseCourseraStdout(outcome.stdout, FEEDBACK_FILE);
  } else {
    const text = readText(file, FEEDBACK_FILE);
    report = text.ok ? parseCourseraReport(text.text, FEEDBACK_FILE) : { ok: false as const, errors: [text.error], warnings: [] };
  }
  if (!report.ok) return report;

  const { score, feedback, feedbackType } = report.value;
  const warnings = [...report.warnings];
  let text = feedback;
  const richPath = feedbackType === 'HTML' ? HTML_FEEDBACK_FILE : feedbackType === 'TXT' ? TXT_FEEDBACK_FILE : undefined;
  const rich = richPath === undefined ? undefined : outcome.outputs[richPath];
  if (richPath !== undefined && rich !== undefined && !isMissing(rich)) {
    const read = readText(rich, richPath);
    if (!read.ok) return { ok: false, errors: [read.error], warnings };
    text = read.text;
  } else if (feedbackType === 'HTML') {
    warnings.push(`feedbackType is "HTML" but ${HTML_FEEDBACK_FILE} was not written; the feedback field is shown as HTML`);
  }
  return {
    ok: true,
    warnings,
    value: {
      score,
      points: null,
      feedback: { text, format: FORMATS[feedbackType ?? 'TXT'] },
      tests: [],
      visibility: 'visible',
      outputVisibility: { value: 'hidden', explicit: false },
    },
  };
}
