/**
 * The `script` protocol: Codio's custom grading scripts, run unchanged.
 *
 * - Command: the grader version's script (`.guides/secure/grade.py`, relative to the workspace, or
 *   an absolute path in the image) with its arguments (e.g. a deadline `2016-11-24T14:30`), started
 *   by gradebox's `run` (assets/codio/gradebox/run) under the host's static busybox, which first
 *   starts the run's reporting endpoint on 127.0.0.1.
 * - `/home/codio/workspace`: a writable copy of the submission, the working directory; its
 *   `.guides` folder is a writable copy of the image's `/home/codio/workspace/.guides` (the
 *   grader's `.guides/secure`), never the student's.
 * - `/usr/share/codio`: Codio's Python helpers (`assessments/lib/grade.py`) and the endpoint.
 * - Env: the image's, then `CODIO_AUTOGRADE_ENV` and the four reporting URLs, then `--env`.
 * - Report: what the script sent to the endpoint (script-reports.ts), recorded in
 *   /run/gradebox-autograde/requests. Stdout and stderr are for the author only.
 */
import { containerEnv } from '../image-command.ts';
import { interpretRun, type GradedFields } from '../interpret-run.ts';
import type { Checked } from '../json-fields.ts';
import { isMissing } from '../output-file.ts';
import type { GraderProtocol, InterpretContext, PlanContext, RunPlan } from '../protocol.ts';
import type { RunOutcome, Volume } from '../../sandbox/sandbox.ts';
import { buildAutogradeEnv } from '../autograde-env.ts';
import { CODIO_BUSYBOX, CODIO_DIR, CODIO_RUN_SCRIPT } from './script-assets.ts';
import { interpretReports, parseReportLog, REPORT_URL_VARIABLES, type ReportKind } from './script-reports.ts';
import { randomHex } from '../../util/random-hex.ts';

export const WORKSPACE_DIR = '/home/codio/workspace';
export const GUIDES_DIR = `${WORKSPACE_DIR}/.guides`;
/** Where the endpoint's CGI (assets/codio/gradebox/www/cgi-bin/report) records reports; a test holds the two together. */
export const REPORT_DIR = '/run/gradebox-autograde';
export const REPORT_LOG = `${REPORT_DIR}/requests`;
/** The endpoint's port on the run's own loopback (every run has its own network namespace). */
export const REPORT_PORT = 8099;

export const script: GraderProtocol = {
  name: 'script',

  plan(context: PlanContext): RunPlan {
    const setup = context.script;
    if (setup === undefined) throw new RangeError('a script grader needs its script: the path of the grading script in the image (--script)');
    const token = setup.token ?? randomHex(16);
    const urls = Object.fromEntries(Object.entries(REPORT_URL_VARIABLES).map(([kind, variable]) => [
      variable,
      `http://127.0.0.1:${REPORT_PORT}/cgi-bin/report/${kind as ReportKind}?token=${token}`,
    ]));
    const env = setup.autogradeEnv ?? JSON.stringify(defaultAutogradeEnv(context));
    const volumes: Volume[] = [
      { target: WORKSPACE_DIR, readOnly: false, owner: 'user', copyFrom: context.submissionTree },
      { target: GUIDES_DIR, readOnly: false, owner: 'user', ...(setup.guides !== undefined ? { copyFrom: setup.guides } : {}) },
      { target: CODIO_DIR, readOnly: true, owner: 'root', copyFrom: setup.tools },
      { target: REPORT_DIR, readOnly: false, owner: 'user' },
    ];
    return {
      argv: withEndpoint([setup.path, ...context.args]),
      env: containerEnv(context.image.env, { CODIO_AUTOGRADE_ENV: env, ...urls, GRADEBOX_REPORT_TOKEN: token }, context.env),
      cwd: WORKSPACE_DIR,
      volumes,
      files: [],
      outputs: [REPORT_LOG],
    };
  },

  interpret(outcome, context) {
    return interpretRun(outcome, context.limits, () => readReports(outcome, context));
  },
};

/**
 * A command started the way every `script` run starts, after the run's reporting endpoint (the
 * grading script and its arguments, or `inspect`'s shell).
 */
export function withEndpoint(command: readonly string[]): string[] {
  return [CODIO_BUSYBOX, 'sh', CODIO_RUN_SCRIPT, String(REPORT_PORT), ...command];
}

function readReports(outcome: RunOutcome, context: InterpretContext): Checked<GradedFields> {
  const file = outcome.outputs[REPORT_LOG];
  const partPoints = context.assignment?.totalPoints;
  const reportContext = partPoints === undefined ? {} : { partPoints };
  if (file === undefined || isMissing(file)) return interpretReports([], reportContext);
  if (!file.ok) return { ok: false, errors: [`${REPORT_LOG}: ${file.error}`], warnings: [] };
  const log = parseReportLog(file.data, REPORT_LOG);
  if (!log.ok) return { ok: false, errors: [log.error], warnings: [] };
  return interpretReports(log.reports, reportContext);
}

/** What a run gets when its caller built no CODIO_AUTOGRADE_ENV: no parts, completed when submitted. */
function defaultAutogradeEnv(context: PlanContext): ReturnType<typeof buildAutogradeEnv> {
  const assignment = context.assignment;
  return buildAutogradeEnv({
    parts: [],
    student: { id: String(context.student.id), username: String(context.student.id), fullName: context.student.name, email: context.student.email },
    course: { id: 'local' },
    assignment: { id: String(assignment?.id ?? 'local'), name: assignment?.title ?? '', start: assignment?.releaseDate ?? null, end: assignment?.dueDate ?? null },
    completedDate: context.submission.createdAt,
  });
}
