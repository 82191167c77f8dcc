/**
 * Reads what a `script` grader reported to its run's endpoint. The endpoint (busybox httpd with
 * gradebox's CGI, assets/codio/gradebox) only records each request, as
 *
 *     gradebox-report KIND METHOD STATUS QUERY_BYTES BODY_BYTES\n<query><body>\n
 *
 * with KIND `grade`, `grade-v2`, `partial` or `partial-v2` and STATUS `accepted` or
 * `refused:<content length>` (over Codio's 1048576-byte payload limit); every rule is checked
 * here, after the run, so that one piece of TypeScript decides a grade.
 *
 * The last accepted report is the result, as on Codio, where each call replaces the grade. Every
 * accepted report must be valid (a grade 0–100, points 0 to the part's points, a known format):
 * one that is not makes the run a grader-error naming it, since the author's script is wrong.
 */
import type { FeedbackFormat } from '../grade-result.ts';
import type { GradedFields } from '../interpret-run.ts';
import type { Checked } from '../json-fields.ts';

export type ReportKind = 'grade' | 'grade-v2' | 'partial' | 'partial-v2';

/** The variable a script reads each endpoint's URL from. */
export const REPORT_URL_VARIABLES: Readonly<Record<ReportKind, string>> = Object.freeze({
  grade: 'CODIO_AUTOGRADE_URL',
  'grade-v2': 'CODIO_AUTOGRADE_V2_URL',
  partial: 'CODIO_PARTIAL_POINTS_URL',
  'partial-v2': 'CODIO_PARTIAL_POINTS_V2_URL',
});

/** Codio's limit on a report's payload, and so on its feedback. */
export const MAX_REPORT_PAYLOAD = 1048576;

const FORMATS: Readonly<Record<string, FeedbackFormat>> = { md: 'markdown', html: 'html', txt: 'text' };

export interface RawReport {
  kind: ReportKind;
  method: string;
  /** Null when the endpoint refused the payload as too large; then the length it announced. */
  refusedLength: number | null;
  query: Buffer;
  body: Buffer;
}

/** Splits the request log into records; a log that is not one (a script wrote it) is a fault. */
export function parseReportLog(log: Buffer, source: string): { ok: true; reports: RawReport[] } | { ok: false; error: string } {
  const reports: RawReport[] = [];
  let at = 0;
  while (at < log.length) {
    const end = log.indexOf(0x0a, at);
    const header = end < 0 ? '' : log.subarray(at, end).toString('latin1');
    const match = /^gradebox-report (grade|grade-v2|partial|partial-v2) ([A-Z]{1,10}) (accepted|refused:(\d{1,20})) (\d{1,10}) (\d{1,10})$/.exec(header);
    if (match === null) return { ok: false, error: `${source}: the report log was altered at byte ${at} (the endpoint writes it; something else in the run wrote to it)` };
    const queryBytes = Number(match[5]);
    const bodyBytes = Number(match[6]);
    const start = end + 1;
    if (start + queryBytes + bodyBytes + 1 > log.length || log[start + queryBytes + bodyBytes] !== 0x0a) {
      return { ok: false, error: `${source}: the report log was altered at byte ${at} (a record is cut short)` };
    }
    reports.push({
      kind: match[1] as ReportKind,
      method: match[2] as string,
      refusedLength: match[4] === undefined ? null : Number(match[4]),
      query: log.subarray(start, start + queryBytes),
      body: log.subarray(start + queryBytes, start + queryBytes + bodyBytes),
    });
    at = start + queryBytes + bodyBytes + 1;
  }
  return { ok: true, reports };
}

export interface ReportContext {
  /** The part's points, when known: what partial points are out of, and what a grade is a share of. */
  partPoints?: number;
}

/** The result of the reports: the last accepted one, each checked; none at all is a fault. */
export function interpretReports(reports: readonly RawReport[], context: ReportContext): Checked<GradedFields> {
  const errors: string[] = [];
  const warnings: string[] = [];
  let last: GradedFields | undefined;
  reports.forEach((report, index) => {
    const name = `report ${index + 1} (${report.method} $${REPORT_URL_VARIABLES[report.kind]})`;
    if (report.refusedLength !== null) {
      warnings.push(`${name} was refused: its payload of ${report.refusedLength} bytes is over Codio's limit of ${MAX_REPORT_PAYLOAD} bytes ("Payload content length greater than maximum allowed: ${MAX_REPORT_PAYLOAD}")`);
      return;
    }
    const checked = checkReport(report, context);
    if (typeof checked === 'string') errors.push(`${name}: ${checked}`);
    else last = checked;
  });
  if (errors.length > 0) return { ok: false, errors, warnings };
  if (last === undefined) {
    const tried = reports.length === 0 ? 'the script made no report' : 'no report was accepted';
    return {
      ok: false,
      errors: [`no grade was reported: ${tried}. A script reports with send_grade(grade) or send_partial(points) (lib.grade in /usr/share/codio/assessments), or with curl "$CODIO_AUTOGRADE_URL&grade=N"`],
      warnings,
    };
  }
  if (reports.length > 1) warnings.push(`the script reported ${reports.length} times; the last accepted report is the result, as on Codio`);
  return { ok: true, value: last, warnings };
}

/** The fields of one report, or why it is unusable. */
function checkReport(report: RawReport, context: ReportContext): GradedFields | string {
  const params = new URLSearchParams(report.query.toString('utf8'));
  if (report.method === 'POST' && report.body.length > 0) {
    for (const [key, value] of new URLSearchParams(report.body.toString('utf8'))) params.set(key, value);
  }
  const v2 = report.kind.endsWith('-v2');
  const formatName = params.get('format') ?? 'md';
  const format = FORMATS[formatName];
  if (v2 && format === undefined) return `format must be md, html or txt, but it is ${JSON.stringify(formatName)}`;
  const feedback = v2 ? { text: params.get('feedback') ?? '', format: format ?? 'markdown' } : { text: '', format: 'text' as const };
  const base = { feedback, tests: [], visibility: 'visible' as const, outputVisibility: { value: 'hidden' as const, explicit: false } };

  if (report.kind === 'grade' || report.kind === 'grade-v2') {
    const grade = numberParam(params, 'grade');
    if (typeof grade === 'string') return grade;
    if (grade < 0 || grade > 100) return `grade must be a number from 0 to 100 (a percentage), but it is ${grade}`;
    const points = context.partPoints === undefined ? null : { earned: (grade / 100) * context.partPoints, possible: context.partPoints };
    return { ...base, score: grade / 100, points };
  }
  const earned = numberParam(params, 'points');
  if (typeof earned === 'string') return earned;
  if (earned < 0) return `points must be 0 or more, but it is ${earned}`;
  if (context.partPoints === undefined) return { ...base, score: null, points: { earned, possible: null } };
  if (earned > context.partPoints) return `points must be at most the part's ${context.partPoints} points, but it is ${earned}`;
  return { ...base, score: context.partPoints === 0 ? 1 : earned / context.partPoints, points: { earned, possible: context.partPoints } };
}

const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function numberParam(params: URLSearchParams, name: string): number | string {
  const values = params.getAll(name);
  if (values.length === 0) return `${name} is missing (add &${name}=N to the URL, or send it in the POST body)`;
  const text = values[values.length - 1] as string;
  const value = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(value)) return `${name} must be a number, but it is ${JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text)}`;
  return value;
}
