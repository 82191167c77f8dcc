import { PROTOCOL_NAMES, type Protocol } from '../../grader/protocol-names.ts';
import { Command, Option } from 'commander';
import type { LimitNames } from '../../client/grader-limits.ts';
import { prepareImageArchive } from '../../client/image-archive.ts';
import { checkUploadPlan, uploadGrader, type PartTarget, type UploadPlan } from '../../client/upload-grader.ts';
import { gradeboxHome } from '../../toolkit/gradebox-home.ts';
import { ExitCode } from '../exit-codes.ts';
import { humanBytes } from '../format-server.ts';
import { oneOf, positiveInteger, positiveNumber, runUser, scriptProtocol, USER_OPTION_HELP } from '../option-parsers.ts';
import { formatRunUser } from '../../grader/run-user.ts';
import type { RunUser } from '../../sandbox/sandbox.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';

interface UploadFlags extends ServerFlags {
  additionalPart?: string[];
  autograde?: boolean;
  graderCpu?: number;
  graderMemoryLimit?: number;
  gradingTimeout?: number;
  protocol?: Protocol;
  script?: string;
  scriptArg?: string[];
  user?: RunUser;
  json?: boolean;
}

const LIMIT_NAMES: LimitNames = { cpus: '--grader-cpu', memoryMiB: '--grader-memory-limit', timeoutSeconds: '--grading-timeout' };

/**
 * `gradebox upload IMAGE COURSE ASSIGNMENT PART`: a grader image to the server, as a draft for each
 * part; with `--autograde` and no PART, as a draft of the assignment's autograde grader.
 */
export function uploadCommand(): Command {
  return withServerOption(new Command('upload'))
    .description("Upload a grader image and make it the draft grader of one or more assignment parts, or (--autograde) the assignment's autograde grader")
    .argument('<image>', 'docker save tarball, OCI layout (dir or tar), or an image name in the local Docker daemon')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('[part]', 'part id (none with --autograde)')
    .option('--autograde', "make it the assignment's autograde grader (for `autograde: script`): a script grader run once per completed student after the parts are graded; needs --script, takes no PART")
    .option('--additional-part <assignment-part...>', 'one more ASSIGNMENT PART pair to get the same grader (repeatable)', collect)
    .option('--grader-cpu <n>', 'CPUs reserved for each grading, fractions allowed (default: the server\'s)', positiveNumber('--grader-cpu'))
    .option('--grader-memory-limit <MiB>', 'memory limit of each grading, swap included (default: the server\'s)', positiveInteger('--grader-memory-limit'))
    .option('--grading-timeout <seconds>', 'wall-clock limit of each grading (default: the server\'s, 1200)', positiveInteger('--grading-timeout'))
    .addOption(new Option('--protocol <protocol>', 'grader protocol (default: detected from the image at grading time)').argParser(oneOf('--protocol', PROTOCOL_NAMES)))
    .option('--script <path>', 'script graders: the grading script in the image, absolute or relative to /home/codio/workspace (implies --protocol script)')
    .option('--script-arg <arg>', "script graders: an argument for the script, e.g. a deadline 2016-11-24T14:30 (repeatable)", collect)
    .option('--user <user>', USER_OPTION_HELP, runUser)
    .option('--json', 'print {image: {imageId, archiveDigest, size}, drafts: GraderVersion[], autograde: AutogradeGrader | null} as JSON on stdout')
    .addHelpText('after', `
Before reading the image, the server is asked whether the upload can work: the token's author
scope and your role, each part, and the limits against the server's allowed ranges (GET
/api/limits); a limit outside them is a usage error naming the range. A plain \`docker save\` tar is
streamed as it is; anything else is imported into the local image store ($GRADEBOX_HOME) and sent
from there. The image is read twice (its sha256 first, then the upload), never held in memory.
Drafts grade nothing until \`gradebox publish\`; try them first with \`gradebox test-grader\` and \`gradebox check-grader --remote\`.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox upload grader.tar cs101 hw1 sums
  gradebox upload my-grader:1.0 cs101 hw1 sums --additional-part hw2 sums --grader-memory-limit 2048
  gradebox upload ./oci-layout cs101 hw1 sums --grading-timeout 300 --json | jq -r '.drafts[].id'
  gradebox upload codio-grader.tar cs101 hw1 sums --script .guides/secure/grade.py --script-arg 2016-11-24T14:30
  gradebox upload codio-unit.tar cs101 hw1 --autograde --script .guides/secure/assignment.py --script-arg 2016-11-24T14:30

Exit codes: 0 uploaded and drafts created, 1 refused (no such part, not allowed, bad image),
2 usage error (including limits outside the server's ranges) or the server is unreachable or busy.`)
    .action(runAction(async (signal, image: string, course: string, assignment: string, part: string | undefined, flags: UploadFlags) => {
      const protocol = scriptProtocol(flags, true);
      const autograde = autogradeTarget(assignment, part, flags, protocol);
      const plan: UploadPlan = {
        course,
        targets: autograde !== undefined ? [] : [{ assignment, part: part as string }, ...pairs(flags.additionalPart ?? [])],
        ...(autograde !== undefined ? { autograde } : {}),
        limits: {
          ...(flags.graderCpu !== undefined ? { cpus: flags.graderCpu } : {}),
          ...(flags.graderMemoryLimit !== undefined ? { memoryMiB: flags.graderMemoryLimit } : {}),
          ...(flags.gradingTimeout !== undefined ? { timeoutSeconds: flags.gradingTimeout } : {}),
        },
        ...(protocol ? { protocol } : {}),
        ...(flags.script !== undefined ? { script: { path: flags.script, args: flags.scriptArg ?? [] } } : {}),
        ...(flags.user !== undefined ? { runAs: formatRunUser(flags.user) } : {}),
      };
      const seen = new Set<string>();
      for (const t of plan.targets) {
        const key = `${t.assignment}/${t.part}`;
        if (seen.has(key)) throw new UsageError(`part ${key} is named twice`);
        seen.add(key);
      }
      const client = await connect(flags, signal);
      await checkUploadPlan(client, plan, LIMIT_NAMES);
      const progress = flags.json ? undefined : progressReporter();
      try {
        const archive = await prepareImageArchive(image, { home: gradeboxHome(), signal, ...(progress ? { onProgress: progress.update } : {}) });
        const outcome = await uploadGrader(client, plan, archive, progress?.update);
        progress?.stop();
        if (flags.json) {
          printJson(outcome);
          return ExitCode.ok;
        }
        process.stdout.write(`uploaded ${image} (${humanBytes(outcome.image.size)}) to ${course} as image ${outcome.image.imageId}\n`);
        for (const draft of outcome.drafts) process.stdout.write(`draft v${draft.number} for ${draft.assignmentId}/${draft.partId}: ${draft.id}\n`);
        if (outcome.autograde) process.stdout.write(`autograde draft v${outcome.autograde.number} for ${outcome.autograde.assignmentId}: ${outcome.autograde.id}\n`);
        const assignments = [...new Set([...(autograde !== undefined ? [autograde] : []), ...plan.targets.map((t) => t.assignment)])];
        const more = assignments.length > 1 ? ` --additional-assignments ${assignments.slice(1).join(' ')}` : '';
        process.stderr.write(`publish with: gradebox publish ${course} ${assignments[0] ?? assignment}${more}\n`);
        return ExitCode.ok;
      } finally {
        progress?.stop();
      }
    }));
}

/** The assignment whose autograde grader this is (`--autograde`), after checking the options go with it; undefined for parts. */
function autogradeTarget(assignment: string, part: string | undefined, flags: UploadFlags, protocol: Protocol | undefined): string | undefined {
  if (flags.autograde !== true) {
    if (part === undefined) throw new UsageError("missing PART: name the part the grader grades, or give --autograde for the assignment's autograde grader");
    return undefined;
  }
  if (part !== undefined) throw new UsageError(`--autograde makes the assignment's own grader, which grades no part: leave out PART (${JSON.stringify(part)})`);
  if (flags.additionalPart !== undefined) throw new UsageError('--autograde makes one assignment\'s own grader: it does not go with --additional-part');
  if (protocol !== 'script') {
    throw new UsageError('--autograde needs a script grader: give --script PATH, the grading script in the image (e.g. .guides/secure/assignment.py), which reports the assignment grade 0–100');
  }
  return assignment;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--additional-part hw2 p1 --additional-part hw3 p2` → pairs; an odd count is a usage error. */
export function pairs(values: readonly string[]): PartTarget[] {
  if (values.length % 2 !== 0) {
    throw new UsageError(`--additional-part takes two values, ASSIGNMENT and PART (e.g. --additional-part hw2 sums); got ${values.map((v) => `"${v}"`).join(' ')}`);
  }
  const targets: PartTarget[] = [];
  for (let i = 0; i < values.length; i += 2) targets.push({ assignment: values[i] as string, part: values[i + 1] as string });
  return targets;
}
