import { Command, Option } from 'commander';
import { gradeRemote, type RemoteGrading, type RemotePartGrading } from '../../client/grade-remote.ts';
import { SANDBOX_BACKENDS } from '../../sandbox/open-sandbox.ts';
import { gradeHints } from '../../toolkit/grade-hints.ts';
import { gradeboxHome } from '../../toolkit/gradebox-home.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatGradeResult } from '../format-grade-result.ts';
import { percent, table, versionLabel } from '../format-server.ts';
import { oneOf } from '../option-parsers.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine, safeText } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface GradeRemoteFlags extends ServerFlags {
  part?: string;
  version?: string;
  draft?: boolean;
  backend: (typeof SANDBOX_BACKENDS)[number];
  rm: boolean;
  json?: boolean;
}

/** `gradebox grade remote SUBMISSION_ID`: regrade a stored submission here and compare. */
export function gradeRemoteCommand(): Command {
  return withServerOption(new Command('remote'))
    .description("Grade a server's submission on this machine, with the same grader version and limits, and compare with the stored result")
    .argument('<submission-id>', 'submission id, as `gradebox submit` prints it')
    .option('--part <part>', 'only this part (default: every part of the submission)')
    .option('--version <version>', 'grade with this grader version: its id, or its number (3 or v3); needs --part when there are several parts')
    .option('--draft', "grade with the part's newest draft (to try a fix on a real submission before publishing it)")
    .addOption(new Option('--backend <backend>', 'sandbox backend: oci, docker or auto, as for `grade local`').argParser(oneOf('--backend', SANDBOX_BACKENDS)).default('auto'))
    .option('--no-rm', "keep the run's scratch files for debugging")
    .option('--json', 'print {submission, parts: [{partId, version, chosenBy, stored, local}]} as JSON on stdout')
    .addHelpText('after', `
The grader version is the one that graded the stored result, unless --version or --draft says
otherwise (a part not graded yet takes the published one). The submission's files and the
version's image are downloaded (the image only when the local store lacks it), and the part is
graded exactly as \`grade local\` would, with the version's CPUs, memory, timeout and protocol.
Needs a token with the author scope and a staff role in the course. Temporary files are removed.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox grade remote 01J9Z3K4TQ2W
  gradebox grade remote 01J9Z3K4TQ2W --part sums --draft
  gradebox grade remote 01J9Z3K4TQ2W --json | jq '.parts[] | {stored: .stored.score, local: .local.score}'

Exit codes: 0 graded here (status graded, whatever the stored result), 1 not graded here (grader
error, timeout, …) or refused by the server, 2 usage error or the server is unreachable or busy,
3 sandbox or environment error, 130 interrupted.`)
    .action(runAction(async (signal, submissionId: string, flags: GradeRemoteFlags) => {
      if (flags.version !== undefined && flags.draft) throw new UsageError('--version and --draft name different versions; give one');
      const client = await connect(flags, signal);
      const progress = flags.json ? undefined : progressReporter();
      let grading: RemoteGrading;
      try {
        grading = await gradeRemote(client, {
          submissionId,
          ...(flags.part !== undefined ? { part: flags.part } : {}),
          wanted: { ...(flags.version !== undefined ? { version: flags.version } : {}), ...(flags.draft ? { draft: true } : {}) },
          backend: flags.backend,
          home: gradeboxHome(),
          keep: !flags.rm,
          signal,
          ...(progress ? { onProgress: progress.update } : {}),
        });
      } finally {
        progress?.stop();
      }
      if (flags.json) printJson(grading);
      else process.stdout.write(grading.parts.map(formatComparison).join('\n'));
      for (const part of grading.parts) if (part.local.keptAt) process.stderr.write(`run files of ${part.partId} kept at ${part.local.keptAt}\n`);
      const failed = grading.parts.filter((p) => p.local.status !== 'graded');
      for (const part of grading.parts) {
        // The server gives each part its part id: no part id hints, only what the run itself shows.
        const hints = gradeHints(part.local, { partIdGiven: true, args: [] });
        for (const hint of hints) process.stderr.write(`hint: part ${safeLine(part.partId)}: ${hint}\n`);
      }
      if (failed.length > 0) {
        process.stderr.write(`${paint('red', 'error:', process.stderr)} not graded here: ${failed.map((p) => `${safeLine(p.partId)} (${p.local.status})`).join(', ')}\n`);
        return ExitCode.graderError;
      }
      return ExitCode.ok;
    }));
}

function formatComparison(part: RemotePartGrading): string {
  const v = part.version;
  const head = `${paint('bold', `part ${safeLine(part.partId)}`)}: grader ${versionLabel(v)} ${v.id}, chosen as ${part.chosenBy}; ` +
    `${v.cpus} CPU, ${v.memoryMiB} MiB, ${v.timeoutSeconds} s, ${v.protocol ?? 'protocol detected'}\n`;
  const stored = part.stored;
  const local = part.local;
  const same = stored !== null && stored.status === local.status && stored.score === local.score && stored.feedback.text === local.feedback.text;
  const rows = [
    ['', paint('bold', 'stored'), paint('bold', 'here')],
    ['status', stored?.status ?? '(not graded yet)', local.status],
    ['score', stored ? percent(stored.score) : '—', percent(local.score)],
    ['feedback', stored ? firstLine(stored.feedback.text) : '—', firstLine(local.feedback.text)],
  ];
  const verdict = stored === null ? '' : same ? `${paint('green', 'same result')} (status, score and feedback)\n` : `${paint('yellow', 'different result')}: see both feedbacks below\n`;
  const storedFeedback = stored && !same ? `\n${paint('bold', 'Stored feedback:')}\n${safeText(stored.feedback.text).split('\n').map((l) => `  ${l}`).join('\n')}\n` : '';
  return `${head}${table(rows)}${verdict}${storedFeedback}\n${paint('bold', 'Graded here:')}\n${formatGradeResult(local)}\n`;
}

function firstLine(text: string): string {
  const line = safeLine(text.trim().split(/\r?\n/)[0] ?? '');
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || '(empty)';
}
