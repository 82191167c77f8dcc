import { Command } from 'commander';
import type { AssignmentGrade } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';

interface GradesFlags extends ServerFlags {
  student?: string;
  json?: boolean;
}

/** `gradebox grades COURSE ASSIGNMENT`: assignment grades with their derivation. */
export function gradesCommand(): Command {
  return withServerOption(new Command('grades'))
    .description('Show assignment grades with their derivation: part points, method, raw grade, late adjustment, final grade')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--student <login>', 'staff: only this student, shown in full', checkedName('login', '--student'))
    .option('--json', 'print {grades: AssignmentGrade[]} as JSON on stdout')
    .addHelpText('after', `
Staff see every student of the course as a table; one grade (a student's own, or --student)
is shown in full. The
late adjustment is worked out when the grade is read, from the time that counts (submittedAt
for trigger submit, the completion date for trigger completion).
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
    g.status,
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
  lines.push(table(g.parts.map((p) => [`  ${safeLine(p.partId)}`, `${num(p.earned)}/${p.points} points`, p.status ?? 'no result'])).trimEnd());
  if (g.withheld) lines.push('  the grade is shown once every part\'s result is visible to you');
  lines.push(`  ${g.method}: ${num(g.pointsEarned)}/${g.pointsPossible} points → raw grade ${num(g.rawGrade)}`);
  if (g.detail !== null) lines.push(`  ${safeLine(g.detail)}`);
  if (g.late !== null) lines.push(`  lateness at ${formatTime(g.late.at)}: ${g.late.rule} → ×${g.late.factor}`);
  lines.push(`  final grade ${num(g.finalGrade)}`);
  return `${lines.join('\n')}\n`;
}
