import { stat } from 'node:fs/promises';
import type { ImageRecord } from '../image/image.ts';
import { resolveLimits, type Limits } from '../sandbox/limits.ts';
import type { CapturedOutput, ListedTree, RunOutcome, RunUser, Sandbox } from '../sandbox/sandbox.ts';
import { detectProtocol, protocolByName, type ImagePathExists } from './detect-protocol.ts';
import type { GradeResult, Protocol } from './grade-result.ts';
import { finishResult, type FinishContext } from './finish-result.ts';
import type { AssignmentInfo, PlanContext, ScriptSetup } from './protocol.ts';
import { PROTOCOLS } from './protocol-names.ts';
import { codioTree } from './protocols/script-assets.ts';
import { GUIDES_DIR } from './protocols/script.ts';
import { withHome } from './image-home.ts';
import { resolveInRoot, rootfsExists } from './rootfs-exists.ts';
import { defaultRunUser, rootWritableFor } from './run-user.ts';
import { checkListedSubmission, checkSubmission, type SubmissionLimits } from './submission-check.ts';

/** A grade() request: the grader, the submission (a folder or listed files) and how to run it. */
export type GradeRequest = GradeOptions & SubmissionInput;

/** Where the submission's files are: a host folder, or files listed from anywhere on the host. */
export type SubmissionInput =
  | { /** Host folder holding the submission's files. */ submissionDir: string; submissionFiles?: undefined }
  | { /** The submission's files, each from its own host file (the service's blob store). */ submissionFiles: ListedTree; submissionDir?: undefined };

export interface GradeOptions {
  /** The grader image (an ImageRecord, or just its id and config). */
  image: Pick<ImageRecord, 'id' | 'config'>;
  /** Host path of the image's unpacked root filesystem. */
  rootfs: string;
  /** Extra arguments, as in `docker run IMAGE args…` (they replace CMD). */
  args?: string[];
  /** Coursera part id (env `partId`). */
  partId?: string;
  /** Coursera `userId` and Gradescope `users[0].id`; default `local`. */
  userId?: string;
  /** Coursera `filename`; default: the submission's only top-level file, if it has exactly one. */
  filename?: string;
  /** Extra environment (`--env`); wins over the image's and the protocol's variables. */
  env?: Record<string, string>;
  /** Detected from the image when absent (see `detectProtocol`). */
  protocol?: Protocol;
  limits?: Partial<Limits>;
  /** The grader's uid/gid inside the sandbox; default the protocol's (see run-user.ts). */
  user?: RunUser;
  /** Keep the run's scratch files (`--no-rm`). */
  keep?: boolean;
  /** Network access for the grader; default false. */
  network?: boolean;
  assignment?: AssignmentInfo;
  /** Gradescope metadata; default id 1, created now. */
  submission?: { id?: string | number; createdAt?: Date };
  /** Gradescope metadata `users[0]` name and email; default empty. */
  student?: { name?: string; email?: string };
  submissionLimits?: Partial<SubmissionLimits>;
  /** Largest result file read back; default 16 MiB. */
  outputFileCapBytes?: number;
  /** How to look into the image for protocol detection; default: `rootfsExists(rootfs)`. */
  imageExists?: ImagePathExists;
  /**
   * The `script` protocol's script (required with it), CODIO_AUTOGRADE_ENV's JSON, and the
   * reporting URLs' token (default a fresh random one; tests fix it to show that a run cannot
   * reach another's endpoint even knowing its token).
   */
  script?: { path: string; autogradeEnv?: string; token?: string };
}

export interface GradeDeps {
  sandbox: Sandbox;
}

export const DEFAULT_OUTPUT_FILE_CAP_BYTES = 16 * 1024 * 1024;

/**
 * Grades one submission with one grader image and returns the normalized result.
 *
 * A submission that fails `checkSubmission` gives a `not-gradable` result without starting a run.
 * Everything about the grader's behaviour becomes a result (see interpret-run.ts); what throws is a
 * broken environment: `SandboxError` from the sandbox (CLI exit code 3), `ImageError` for an image
 * with nothing to run, `RangeError` for impossible limits, and the abort reason when `signal` fires
 * (the caller retries or drains; no result is made from an interrupted run).
 */
export async function grade(request: GradeRequest, deps: GradeDeps, signal?: AbortSignal): Promise<GradeResult> {
  const ran = await gradeRun(request, deps, signal);
  return 'result' in ran ? ran.result : finishResult(ran.outcome, ran.context);
}

/** What `gradeRun` ends with: a result made without a run, or a run's outcome still to be read. */
export type GradeRun = { result: GradeResult } | { outcome: RunOutcome; context: FinishContext };

/**
 * Everything of `grade()` up to reading the run's outcome, so that a caller may read it elsewhere
 * (the service does it off its event loop when the output is big: see grade-stored.ts).
 */
export async function gradeRun(request: GradeRequest, deps: GradeDeps, signal?: AbortSignal): Promise<GradeRun> {
  signal?.throwIfAborted();
  const protocolName = request.protocol ?? (await detectProtocol(request.imageExists ?? rootfsExists(request.rootfs)));
  const defaultTimeout = PROTOCOLS[protocolName].defaultTimeoutSeconds;
  const limits = resolveLimits({ ...(defaultTimeout !== undefined ? { timeoutSeconds: defaultTimeout } : {}), ...request.limits });
  const base = { protocol: protocolName, image: { id: request.image.id }, limits };

  const submission = request.submissionFiles ?? request.submissionDir;
  const check = typeof submission === 'string'
    ? await checkSubmission(submission, request.submissionLimits)
    : checkListedSubmission(submission, request.submissionLimits);
  signal?.throwIfAborted();
  if (!check.ok) {
    return { result: {
      ...base,
      status: 'not-gradable',
      score: null,
      points: null,
      feedback: { text: `Your submission could not be graded: ${check.problem}. No attempt was counted.`, format: 'text' },
      tests: [],
      errors: [`submission ${typeof submission === 'string' ? submission : `(${submission.files.length} listed files)`}: ${check.problem}`],
      warnings: [],
      output: { stdout: NO_OUTPUT, stderr: NO_OUTPUT, visibleToStudents: false },
      run: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0, reason: 'exited', exitCode: null, signal: null },
    } };
  }

  const protocol = protocolByName(protocolName);
  const context: PlanContext = {
    image: request.image.config,
    submissionTree: submission,
    args: request.args ?? [],
    env: request.env ?? {},
    partId: request.partId,
    filename: request.filename ?? (check.topLevelFiles.length === 1 ? check.topLevelFiles[0] : undefined),
    student: { id: request.userId ?? 'local', name: request.student?.name ?? '', email: request.student?.email ?? '' },
    submission: { id: request.submission?.id ?? 1, createdAt: request.submission?.createdAt ?? new Date() },
    assignment: request.assignment,
    ...(protocolName === 'script' ? { script: await scriptSetup(request) } : {}),
  };
  const plan = protocol.plan(context);
  const user = request.user ?? defaultRunUser(protocolName);
  const outcome = await deps.sandbox.run(
    {
      ...plan,
      env: await withHome(plan.env, request.rootfs, user),
      image: { id: request.image.id, rootfs: request.rootfs },
      user,
      rootWritable: rootWritableFor(plan.cwd, user),
      outputFileCapBytes: request.outputFileCapBytes ?? DEFAULT_OUTPUT_FILE_CAP_BYTES,
      limits,
      network: request.network ?? false,
      keep: request.keep ?? false,
    },
    signal,
  );
  signal?.throwIfAborted();
  return { outcome, context: { base, user, ...(request.assignment !== undefined ? { assignment: request.assignment } : {}) } };
}

/** The `script` protocol's script and what gradebox places around it (see protocols/script.ts). */
export async function scriptSetup(request: Pick<GradeOptions, 'script' | 'rootfs'>): Promise<ScriptSetup> {
  if (request.script === undefined) throw new RangeError('a script grader needs its script: the path of the grading script in the image (--script)');
  const guides = await resolveInRoot(request.rootfs, GUIDES_DIR);
  const isFolder = guides !== undefined && (await stat(guides)).isDirectory();
  return {
    path: request.script.path,
    tools: await codioTree(),
    ...(request.script.autogradeEnv !== undefined ? { autogradeEnv: request.script.autogradeEnv } : {}),
    ...(request.script.token !== undefined ? { token: request.script.token } : {}),
    ...(isFolder ? { guides } : {}),
  };
}

const NO_OUTPUT: CapturedOutput = Object.freeze({ text: '', bytes: 0, truncated: false });
