import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { LoggedGradeChange } from '../../platform/grade-log.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, warn, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface OverrideFlags extends ServerFlags {
  part?: string;
  reason?: string;
  remove?: boolean;
  json?: boolean;
}

/** `gradebox grades override COURSE ASSIGNMENT STUDENT [VALUE] --reason TEXT [--part P] [--remove]`. */
export function gradesOverrideCommand(): Command {
  return withServerOption(new Command('override'))
    .description("Staff: set a student's part points (--part) or assignment grade by hand, with a reason; --remove takes it back")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('<student>', "the student's login")
    .argument('[value]', 'the points of the part (--part), or the assignment grade 0–100; above the maximum is extra credit')
    .option('--part <part>', 'the part whose points are set (default: the assignment grade)', checkedName('part', '--part'))
    .option('--reason <text>', 'why (required to set; logged and shown with the grade)')
    .option('--remove', 'remove the override: the derived value holds again')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText('after', `
A part override replaces that part's points (the grade shows what the grader gave too); an
assignment override replaces the final grade (no late factor applies to it). Regrades never
change overrides. Needs an instructor or TA of the course and a token with the \`manage\` scope.
Every change is in the grade log (gradebox grades log).
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox grades override cs101 hw1 alan 8 --part p1 --reason "regrade request: test 3 was wrong"
  gradebox grades override cs101 hw1 alan 95 --reason "oral exam"
  gradebox grades override cs101 hw1 alan --part p1 --remove

Exit codes: 0 done, 1 refused (no such course, assignment, part or student; not staff; a value
out of range), 2 usage error or the server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, student: string, value: string | undefined, flags: OverrideFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      checkedName('login', 'STUDENT')(student);
      if (flags.remove === true && value !== undefined) throw new UsageError('--remove takes no VALUE');
      if (flags.remove !== true && value === undefined) throw new UsageError('give the VALUE to set (or --remove)');
      const client = await connect(flags, signal);
      const what = flags.part === undefined ? 'assignment grade' : `points of part ${flags.part}`;
      if (flags.remove === true) {
        const outcome = await client.removeOverride(course, assignment, student, { ...(flags.part === undefined ? {} : { part: flags.part }), ...(flags.reason === undefined ? {} : { reason: flags.reason }) });
        if (flags.json) printJson(outcome);
        else process.stdout.write(`removed the override of ${student}'s ${what} on ${course}/${assignment} (it was ${outcome.override.value})\n`);
        return ExitCode.ok;
      }
      const points = Number(value);
      if (value === undefined || value.trim() === '' || !Number.isFinite(points)) throw new UsageError(`VALUE: '${value ?? ''}' is not a number`);
      if (flags.reason === undefined || flags.reason.trim() === '') throw new UsageError('--reason TEXT is required: say why the grade is set by hand');
      const outcome = await client.setOverride(course, assignment, student, { part: flags.part ?? null, value: points, reason: flags.reason });
      for (const warning of outcome.warnings) warn(warning);
      if (flags.json) printJson(outcome);
      else process.stdout.write(`set ${student}'s ${what} on ${course}/${assignment} to ${points}\n`);
      return ExitCode.ok;
    }));
}

interface LogFlags extends ServerFlags {
  student?: string;
  json?: boolean;
}

/** `gradebox grades log COURSE [ASSIGNMENT] [--student L] [--json]`. */
export function gradesLogCommand(): Command {
  return withServerOption(new Command('log'))
    .description('The grade log: every change of a grade with who, when, old, new and why')
    .argument('<course>', 'course id')
    .argument('[assignment]', 'assignment id (default: every assignment of the course)')
    .option('--student <login>', 'staff: only this student', checkedName('login', '--student'))
    .option('--json', 'print {entries: LoggedGradeChange[]} as JSON on stdout')
    .addHelpText('after', `
Staff see every entry; students their own, once the grades were released to them. Causes:
grader-result, regrade, late-policy, extension, course-file, completion, override,
override-removed, release, withdraw. A part's points show as PART, the assignment grade as "grade".
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 shown, 1 no such course or assignment, or not allowed, 2 usage error or the
server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string | undefined, flags: LogFlags) => {
      checkedName('course', 'COURSE')(course);
      if (assignment !== undefined) checkedName('assignment', 'ASSIGNMENT')(assignment);
      const client = await connect(flags, signal);
      const entries = await client.gradeLog(course, assignment, flags.student);
      if (flags.json) printJson({ entries });
      else if (entries.length === 0) process.stderr.write('no grade changes logged\n');
      else process.stdout.write(formatLog(entries));
      return ExitCode.ok;
    }));
}

const num = (n: number | null): string => (n === null ? '—' : String(n));

function formatLog(entries: readonly LoggedGradeChange[]): string {
  const header = ['WHEN', 'ASSIGNMENT', 'STUDENT', 'WHAT', 'OLD', 'NEW', 'CAUSE', 'BY', 'REASON'].map((h) => paint('bold', h));
  const rows = entries.map((e) => [
    formatTime(e.at),
    e.assignmentId,
    e.login,
    e.partId === null ? 'grade' : safeLine(e.partId),
    num(e.oldValue),
    num(e.newValue),
    e.released ? e.cause : `${e.cause} (not released)`,
    e.actor ?? 'gradebox',
    e.reason === null ? '' : safeLine(e.reason),
  ]);
  return table([header, ...rows]);
}

interface ExportFlags extends ServerFlags {
  json?: boolean;
}

/** `gradebox grades export COURSE [ASSIGNMENT] [--json] > grades.csv`. */
export function gradesExportCommand(): Command {
  return withServerOption(new Command('export'))
    .description("Staff: export grades as CSV (or JSON) on stdout: each part's points, raw grade, late penalty, final grade, override, completion, release")
    .argument('<course>', 'course id')
    .argument('[assignment]', 'assignment id (default: every assignment of the course)')
    .option('--json', 'JSON instead of CSV')
    .addHelpText('after', `
One row per student and assignment. CSV: RFC 4180, UTF-8, a header row; part columns are named
ASSIGNMENT/PART; text a spreadsheet would run as a formula (starting with = + - @) gets a
leading '. Streamed: large courses are fine.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox grades export cs101 > cs101-grades.csv
  gradebox grades export cs101 hw1 --json > hw1.json

Exit codes: 0 exported, 1 no such course or assignment, or not staff, 2 usage error or the
server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string | undefined, flags: ExportFlags) => {
      checkedName('course', 'COURSE')(course);
      if (assignment !== undefined) checkedName('assignment', 'ASSIGNMENT')(assignment);
      const client = await connect(flags, signal);
      const response = await client.gradeExport(course, { ...(assignment === undefined ? {} : { assignment }), format: flags.json ? 'json' : 'csv' });
      if (response.body !== null) await pipeline(Readable.fromWeb(response.body), process.stdout, { end: false });
      return ExitCode.ok;
    }));
}
