import { Command } from 'commander';
import { gradeLocalCommand } from './grade-local.ts';
import { gradeRemoteCommand } from './grade-remote.ts';

/** `gradebox grade …`: grade a local submission, or reproduce a server's grading of one here (`remote`). */
export function gradeCommand(): Command {
  return new Command('grade')
    .description('Grade a submission with a grader image')
    .addCommand(gradeLocalCommand())
    .addCommand(gradeRemoteCommand());
}
