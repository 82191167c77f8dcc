import { Command } from 'commander';
import type { ReleaseOutcome } from '../../platform/releases.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';

interface ReleaseFlags extends ServerFlags {
  json?: boolean;
}

type Verb = 'release' | 'withdraw';

const HELP: Record<Verb, { description: string; after: string }> = {
  release: {
    description: "Instructors: release an assignment's grades, so students see their scores and the tests kept until publication",
    after: `
Students of an assignment with release: manual (or a releaseAt still to come) see "graded, not
released yet" until then; after it they see their scores, feedback and the tests and output the
grader made visible, including those marked after_published. One release event per student is
recorded for a later LMS (GET /api/courses/COURSE/grade-events). Needs the instructor role and a
token with the manage scope. Releasing grades already released is refused (409), changing nothing.`,
  },
  withdraw: {
    description: "Instructors: withdraw an assignment's released grades: students see \"graded, not released yet\" again",
    after: `
The assignment becomes release: manual and its release time is cleared (release it again with
gradebox release). One withdraw event per student is recorded for a later LMS. Needs the
instructor role and a token with the manage scope. Withdrawing grades students cannot see is
refused (409).`,
  },
};

/** `gradebox release COURSE ASSIGNMENT` and `gradebox withdraw COURSE ASSIGNMENT`. */
export function releaseCommand(verb: Verb): Command {
  return withServerOption(new Command(verb))
    .description(HELP[verb].description)
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--json', 'print {courseId, assignmentId, release, events} as JSON on stdout')
    .addHelpText('after', `${HELP[verb].after}
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 done, 1 refused (already released / not released, no such course or assignment,
not an instructor, token without manage), 2 usage error or the server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: ReleaseFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      const client = await connect(flags, signal);
      const outcome = verb === 'release' ? await client.releaseGrades(course, assignment) : await client.withdrawGrades(course, assignment);
      if (flags.json) printJson(outcome);
      else process.stdout.write(`${describe(verb, outcome)}\n`);
      return ExitCode.ok;
    }));
}

function describe(verb: Verb, outcome: ReleaseOutcome): string {
  const what = `${outcome.courseId}/${outcome.assignmentId}`;
  const events = `${outcome.events} grade event${outcome.events === 1 ? '' : 's'} recorded`;
  if (verb === 'release') return `released ${what} at ${formatTime(outcome.release.releasedAt ?? '')}: students see their scores (${events})`;
  return `withdrew ${what}: students see "graded, not released yet" until you release again (${events})`;
}
