import { Command } from 'commander';
import type { ApplyChange } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface ApplyFlags extends ServerFlags {
  dryRun?: boolean;
  prune?: boolean;
  json?: boolean;
}

const MARKS: Record<ApplyChange['action'], [string, Parameters<typeof paint>[0]]> = {
  create: ['+', 'green'],
  update: ['~', 'yellow'],
  remove: ['-', 'red'],
  unchanged: ['=', 'dim'],
};

/** `gradebox apply FILE`: set a course up from a YAML or JSON course file. */
export function applyCommand(): Command {
  return withServerOption(new Command('apply'))
    .description('Create or update a course, its members, assignments and parts from a course file (YAML or JSON)')
    .argument('<file>', 'course file, e.g. course.yaml (see examples/course.yaml)')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--prune', 'also remove members, assignments and parts the file does not list (refused for ones with submissions)')
    .option('--json', 'print {file, dryRun, prune, changes: ApplyChange[]} as JSON on stdout')
    .addHelpText('after', `
The file is checked here first, each mistake reported with its line (file:line:column). Applying
is idempotent: applying the same file again changes nothing. Each change is one line:
  + create   ~ update   - remove   = unchanged
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox apply course.yaml --dry-run
  gradebox apply course.yaml --prune

Exit codes: 0 applied (or, with --dry-run, checked), 1 the file has mistakes or the server refused
it, 2 usage error (e.g. no such file) or the server is unreachable or busy (run again later).`)
    .action(runAction(async (signal, file: string, flags: ApplyFlags) => {
      // YAML and the schema load only for this command.
      const { loadCourseFile } = await import('../../client/course-file.ts');
      const courseFile = await loadCourseFile(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new UsageError(`course file ${file} does not exist`);
        if (error.code === 'EISDIR') throw new UsageError(`${file} is a directory; give the course file itself`);
        throw error;
      });
      const client = await connect(flags, signal);
      const dryRun = flags.dryRun === true;
      const changes = await client.apply(courseFile, { dryRun, prune: flags.prune === true });
      if (flags.json) {
        printJson({ file, dryRun, prune: flags.prune === true, changes });
        return ExitCode.ok;
      }
      for (const change of changes) {
        const [mark, style] = MARKS[change.action];
        const detail = change.detail ? ` (${change.detail})` : '';
        process.stdout.write(`${paint(style, `${mark} ${change.action.padEnd(9)} ${change.kind.padEnd(10)} ${change.target}`)}${detail}\n`);
        if (change.warning !== undefined) process.stderr.write(`warning: ${change.target}: ${change.warning}\n`);
      }
      process.stderr.write(`${summary(changes, dryRun)}\n`);
      return ExitCode.ok;
    }));
}

function summary(changes: readonly ApplyChange[], dryRun: boolean): string {
  const count = (action: ApplyChange['action']): number => changes.filter((c) => c.action === action).length;
  const counts = `${count('create')} to create, ${count('update')} to update, ${count('remove')} to remove, ${count('unchanged')} unchanged`;
  if (dryRun) return `dry run, nothing changed: ${counts}`;
  return counts.replaceAll(' to create', ' created').replace(' to update', ' updated').replace(' to remove', ' removed');
}
