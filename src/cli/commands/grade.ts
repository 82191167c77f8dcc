import { Command } from 'commander';
import { gradeLocalCommand } from './grade-local.ts';

/** `gradebox grade …`: grade a submission (locally now; `remote` reproduces a student's result later). */
export function gradeCommand(): Command {
  return new Command('grade')
    .description('Grade a submission with a grader image')
    .addCommand(gradeLocalCommand());
}
