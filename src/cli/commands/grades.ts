import { Command } from 'commander';
import type { AssignmentGrade } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { gradesExportCommand, gradesLogCommand, gradesOverrideCommand } from './grades-gradebook.ts';

interface GradesFlags extends ServerFlags {
  student?: string;
  json?: boolean;
}

/** `gradebox grades COURSE ASSIGNMENT`: assignment grades with their derivation. */
export function gradesCommand(): Command {
  return withServerOption(new Command('grades'))
    .description('Show assignment grades with their derivation: part points, method, raw grade, late adjustment, final grade')
    // `grades override|log|export …` are subcommands; `grades COURSE ASSIGNMENT` stays this command's own.
    .enablePositionalOptions()
    .addCommand(gradesOverrideCommand())
    .addCommand(gradesLogCommand())
    .addCommand(gradesExportCommand())
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--student <login>', 'staff: only this student, shown in full', checkedName('login', '--student'))
    .option('--json', 'print {grades: AssignmentGrade[]} as JSON on stdout')
    .addHelpText('after', `
Staff see every student of the course as a table; one grade (a student's own, or --student)
is shown in full; "not released" when students cannot see the scores yet. The
late adjustment is worked out when the grade is read, from the time that counts (submittedAt
for trigger submit, the completion date for trigger completion).
Overrides, the grade log and the export are subcommands: gradebox grades override|log|export --help.
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 shown, 1 no such course, assignment or student, or not allowed, 2 usage error or
the server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: GradesFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      const client = await connect(flags, signal);
      const grades = await client.grades(course, assignment, flags.student);
      if (flags.json) printJson({ grades });
      else if (grades.length === 0) process.stderr.write(`${course} has no students yet: add them to its course file and run \`gradebox apply\`\n`);
      else if (grades.length === 1) process.stdout.write(formatGrade(grades[0]!));
      else process.stdout.write(gradeTable(grades));
      return ExitCode.ok;
    }));
}

const num = (n: number | null): string => (n === null ? '—' : String(n));

export function gradeTable(grades: readonly AssignmentGrade[]): string {
  const header = ['LOGIN', 'STATUS', 'POINTS', 'RAW', 'LATE', 'FINAL'].map((h) => paint('bold', h));
  const rows = grades.map((g) => [
    g.login,
    `${g.status}${g.released === false ? ' (not released)' : ''}${(g.override ?? null) !== null || g.parts.some((p) => p.override !== undefined) ? ' (override)' : ''}`,
    `${num(g.pointsEarned)}/${g.pointsPossible}`,
    num(g.rawGrade),
    g.late === null ? '—' : `×${g.late.factor} ${g.late.secondsLate > 0 ? 'late' : 'on time'}`,
    num(g.finalGrade),
  ]);
  return table([header, ...rows]);
}

/** One grade, line by line: parts, method and raw grade, lateness, final grade. */
export function formatGrade(g: AssignmentGrade): string {
  const lines = [`${paint('bold', `${g.courseId}/${g.assignmentId}`)} for ${g.login}: ${g.status}`];
  if (g.completion !== null) lines.push(`  completed ${formatTime(g.completion.completedAt)} by ${g.completion.completedBy} (${g.completion.how})`);
  if (g.submissionId !== null) lines.push(`  submission ${g.submissionId}`);
  else if (g.status === 'no-submission') lines.push('  no submission: grade 0');
  lines.push(
    table(
      g.parts.map((p) => [
        `  ${safeLine(p.partId)}`,
        `${num(p.earned)}/${p.points} points`,
        p.status ?? 'no result',
        p.override === undefined ? '' : `set by ${p.override.setBy} (grader gave ${num(p.override.graderEarned)}): ${safeLine(p.override.reason)}`,
      ]),
    ).trimEnd(),
  );
  if (g.released === false) lines.push('  graded scores are not released to students yet');
  if (g.withheld) lines.push('  the grade is shown once every part\'s result is visible to you');
  lines.push(`  ${g.method}: ${num(g.pointsEarned)}/${g.pointsPossible} points → raw grade ${num(g.rawGrade)}`);
  if (g.detail !== null) lines.push(`  ${safeLine(g.detail)}`);
  if (g.late !== null) lines.push(`  lateness at ${formatTime(g.late.at)}: ${g.late.rule} → ×${g.late.factor}`);
  if (g.override != null) lines.push(`  assignment grade set by ${g.override.setBy} at ${formatTime(g.override.setAt)}: ${safeLine(g.override.reason)}`);
  lines.push(`  final grade ${num(g.finalGrade)}`);
  return `${lines.join('\n')}\n`;
}
