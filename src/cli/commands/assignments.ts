import { Command } from 'commander';
import { describeLatePolicy, formatDuration } from '../../platform/late-policy.ts';
import type { Assignment, Part } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table, versionLabel } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';

interface AssignmentsFlags extends ServerFlags {
  json?: boolean;
}

/** `gradebox assignments COURSE`: assignments, their parts, points and graders. */
export function assignmentsCommand(): Command {
  return withServerOption(new Command('assignments'))
    .description("List a course's assignments: deadline, late policy, cutoff, submission limits, parts with points, and each part's published and draft grader")
    .argument('<course>', 'course id, as `gradebox courses` lists it')
    .option('--json', 'print {assignments: Assignment[]} as JSON on stdout')
    .addHelpText('after', `
Students see no drafts; their own extension, and the penalty a submission now would get, are
shown by \`gradebox extensions COURSE ASSIGNMENT\` and \`gradebox submit\`.
${SERVER_ENVIRONMENT_HELP.trim()}

Exit codes: 0 ok, 1 no such course or refused, 2 usage error or the server is unreachable or busy.`)
    .action(runAction(async (signal, course: string, flags: AssignmentsFlags) => {
      const assignments = await (await connect(flags, signal)).assignments(course);
      if (flags.json) printJson({ assignments });
      else if (assignments.length === 0) process.stderr.write(`course ${course} has no assignments yet: add them to its course file and run \`gradebox apply\`\n`);
      else process.stdout.write(assignments.map(formatAssignment).join('\n'));
      return ExitCode.ok;
    }));
}

function formatAssignment(assignment: Assignment): string {
  const points = assignment.parts.reduce((sum, part) => sum + part.points, 0);
  const head = `${paint('bold', assignment.id)}  ${assignment.title}  ·  ${points} points  ·  due ${formatTime(assignment.deadline)}${workflow(assignment)}\n`;
  return head + [...rules(assignment), ...releaseLine(assignment), ...leaderboardLine(assignment)].map((line) => `  ${line}\n`).join('') + table(assignment.parts.map((part) => ['  ' + part.id, part.title, `${part.points} pts`, graders(part)])) + autogradeLine(assignment);
}

/** `autograde: script  published v1, draft v2`, for the script method (whose servers send autogradeGrader). */
function autogradeLine(assignment: Assignment): string {
  if (assignment.autograde !== 'script') return '';
  const { published, draft } = assignment.autogradeGrader;
  const live = published ? `published v${published.number}` : paint('yellow', 'no published autograde grader (gradebox upload … --autograde)');
  return `  autograde: script  ${draft ? `${live}, draft v${draft.number}` : live}\n`;
}

/** `late: …; cutoff …` and `limits: …` lines, when the assignment has them. */
function rules({ latePolicy, cutoff, maxSubmissions, minIntervalSeconds }: Assignment): string[] {
  const late = [
    ...(latePolicy === null ? [] : [describeLatePolicy(latePolicy)]),
    ...(cutoff !== null ? [`no submissions after ${formatTime(cutoff)}`] : []),
  ];
  const limits = [
    ...(maxSubmissions === null ? [] : [`at most ${maxSubmissions} submission${maxSubmissions === 1 ? '' : 's'} each`]),
    ...(minIntervalSeconds === null ? [] : [`one every ${formatDuration(minIntervalSeconds)}`]),
  ];
  return [...(late.length === 0 ? [] : [`late: ${late.join('; ')}`]), ...(limits.length === 0 ? [] : [`limits: ${limits.join(', ')} (staff exempt)`])];
}

/** `leaderboard: gradebox leaderboard cs101 hw1` when the course file enables one (older servers send no field). */
function leaderboardLine(assignment: Assignment): string[] {
  return assignment.leaderboard === true ? [`leaderboard: gradebox leaderboard ${safeLine(assignment.courseId)} ${safeLine(assignment.id)}`] : [];
}

function graders(part: Part): string {
  const live = part.published ? `published ${versionLabel(part.published).replace(/ \(published\)$/, '')}` : paint('yellow', 'no published grader');
  return part.draft ? `${live}, draft ${versionLabel(part.draft).replace(/ \(draft\)$/, '')}` : live;
}

/** `  ·  graded on completion (parts too), all completed 2026-03-08 22:59 UTC`; nothing for trigger submit. */
function workflow(assignment: Assignment): string {
  if (assignment.trigger !== 'completion') return '';
  const parts = assignment.partFeedback === 'on-completion' ? ' (parts too)' : '';
  const expiry = assignment.completeAt === null ? '' : `, all completed ${formatTime(assignment.completeAt)}`;
  return `  ·  graded on completion${parts}${expiry}`;
}

/**
 * `grades: released 2026-03-09 10:00 UTC by ines`, `grades: not released yet (manual)`,
 * `grades: released automatically at …`; nothing for the default (immediate, nothing published).
 * Older servers send no `release`.
 */
function releaseLine({ release }: Partial<Pick<Assignment, 'release'>>): string[] {
  if (release === undefined) return [];
  // Students are not told by whom.
  if (release.releasedAt !== null) return [`grades: released ${formatTime(release.releasedAt)}${release.releasedBy === null ? '' : ` by ${release.releasedBy}`}`];
  if (release.releaseAt !== null) {
    return [release.published ? `grades: released automatically ${formatTime(release.releaseAt)}` : `grades: ${paint('yellow', 'not released yet')}, released automatically ${formatTime(release.releaseAt)}`];
  }
  if (release.mode === 'manual') return [`grades: ${paint('yellow', 'not released yet')} (release: manual; gradebox release COURSE ASSIGNMENT)`];
  return [];
}
