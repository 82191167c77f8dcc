import { Command } from 'commander';
import type { Leaderboard, LeaderboardColumn } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';

interface LeaderboardFlags extends ServerFlags {
  json?: boolean;
}

/** `gradebox leaderboard COURSE ASSIGNMENT`: the assignment's leaderboard, one table per entry name. */
export function leaderboardCommand(): Command {
  return withServerOption(new Command('leaderboard'))
    .description("Show an assignment's leaderboard: students ranked by each value their grader reports")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--json', 'print the Leaderboard {courseId, assignmentId, columns: [{name, order, rows}]} as JSON on stdout')
    .addHelpText('after', `
Gradescope graders report leaderboard entries (results.json \`leaderboard\`: name, value, order);
each name is a table, ranked as the grader says (\`desc\`, the default: higher is better), from
each student's counting submission. Students see pseudonyms only (yours marked; see
\`gradebox pseudonym\`), staff see logins too. The course file enables a leaderboard per
assignment (\`leaderboard: true\`). Names and values come from graders: characters that could
act on the terminal are shown as visible stand-ins.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox leaderboard cs101 hw1
  gradebox leaderboard cs101 hw1 --json | jq '.columns[0].rows[:3]'

Exit codes: 0 ok, 1 refused (no such course or assignment, no leaderboard enabled, not released
yet), 2 usage error or the server is unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: LeaderboardFlags) => {
      const client = await connect(flags, signal);
      const board = await client.leaderboard(course, assignment);
      if (flags.json) printJson(board);
      else if (board.columns.length === 0) process.stderr.write(`no leaderboard entries yet on ${safeLine(course)}/${safeLine(assignment)}: no counting submission's grader reported any\n`);
      else process.stdout.write(formatLeaderboard(board));
      return ExitCode.ok;
    }));
}

export function formatLeaderboard(board: Leaderboard): string {
  return board.columns.map(formatColumn).join('\n');
}

function formatColumn(column: LeaderboardColumn): string {
  const staff = column.rows.some((r) => r.login !== undefined);
  const title = `${paint('bold', safeLine(column.name))}  (${column.order === 'asc' ? 'lower is better' : 'higher is better'})\n`;
  const header = ['RANK', ...(staff ? ['LOGIN'] : []), 'STUDENT', 'VALUE'].map((h) => paint('bold', h));
  const rows = column.rows.map((r) => [
    String(r.rank),
    ...(staff ? [safeLine(r.login ?? '')] : []),
    `${safeLine(r.pseudonym)}${r.you ? ' (you)' : ''}`,
    typeof r.value === 'number' ? String(r.value) : safeLine(r.value),
  ]);
  return title + table([header, ...rows]);
}
