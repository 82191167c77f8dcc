import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { detectProtocol, protocolByName } from '../grader/detect-protocol.ts';
import type { Protocol } from '../grader/grade-result.ts';
import { scriptSetup } from '../grader/grade.ts';
import { withHome } from '../grader/image-home.ts';
import { withEndpoint } from '../grader/protocols/script.ts';
import { rootfsExists } from '../grader/rootfs-exists.ts';
import { defaultRunUser, rootWritableFor } from '../grader/run-user.ts';
import { checkSubmission } from '../grader/submission-check.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import { MAX_TIMEOUT_SECONDS, resolveLimits, type Limits } from '../sandbox/limits.ts';
import { DOCKER_ROOT_PLACES, ROOT_STAND_IN, type SandboxBackend } from '../sandbox/open-sandbox.ts';
import {
  SandboxError, type InteractiveIo, type InteractiveOutcome, type InteractiveSpec, type RunUser, type Volume,
} from '../sandbox/sandbox.ts';
import { SubmissionPathError } from './submission-path-error.ts';
import { gradeboxHome, imageStoreDir, sandboxStateDir } from './gradebox-home.ts';
import { localAutogradeEnv } from './grade-local.ts';
import { pickShell } from './image-shell.ts';
import { openStoreSandbox } from './store-sandbox.ts';

export interface InspectOptions {
  /** Tarball, OCI layout or daemon image name, as for `grade local`. */
  image: string;
  /** Host folder placed where the protocol puts a submission; without it that folder is empty. */
  submissionDir?: string;
  /** Absolute path or command name (looked up on the image's PATH); default /bin/bash, else /bin/sh. */
  shell?: string;
  /** Detected from the image when absent, as for grading. */
  protocol?: Protocol;
  /** Run as root inside the run's user namespace (uid/gid 0, a container root's capabilities there). */
  superUser: boolean;
  /** Run as this user instead of the protocol's default (grading's `--user`); `superUser` wins. */
  user?: RunUser;
  /** Share the host's network (see docs/sandbox.md); default: loopback only. */
  network: boolean;
  keep: boolean;
  /** Limits as for grading; a missing timeout means none (the longest a timer holds). */
  limits: Partial<Pick<Limits, 'cpus' | 'memoryMiB' | 'timeoutSeconds'>>;
  /** Raise the memory limit to the host's RAM instead of `limits.memoryMiB`. */
  unlimitedMemory: boolean;
  env: Record<string, string>;
  partId?: string;
  /** `script` graders: the script (for the record) and CODIO_AUTOGRADE_ENV's JSON, as grading gets them. */
  script?: { path?: string; args?: string[]; autogradeEnv?: Record<string, unknown> };
  backend: SandboxBackend;
  io: InteractiveIo;
  /** Defaults to `gradeboxHome()`. */
  home?: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Called once everything is ready, just before the shell starts. */
  onStart?: (session: InspectSession) => void;
}

/** What the session is, for the caller to show before it starts. */
export interface InspectSession {
  imageId: string;
  protocol: Protocol;
  shell: string;
  user: RunUser;
  cwd: string;
  /** Container paths of the protocol's volumes, the submission's among them. */
  volumes: string[];
  /** Where the submission is inside, when one was given. */
  submissionAt?: string;
  limits: Limits;
  /** `script` graders: the grading command to try in the session, as grading runs it. */
  scriptCommand?: string[];
  /** Things the user should know before relying on the session. */
  warnings: string[];
}

export interface InspectResult extends InteractiveOutcome {
  session: InspectSession;
}

// Stands in for the submission folder while planning, so the protocol's plan says where it goes.
const NO_SUBMISSION = '\0no submission';

/**
 * Opens a shell in the sandbox a grading of `image` would get: same image root, isolation,
 * limits, user and the protocol's volumes, environment and working directory (from its `plan`,
 * so the layout cannot drift from grading), with the shell instead of the grader's command.
 * Resolves when the shell exits; the sandbox is cleaned up as after a grading.
 *
 * Throws SubmissionPathError for an unusable `submissionDir`, ImageError for an image that
 * cannot be used or has no such shell, SandboxError when the backend cannot run sessions.
 */
export async function inspect(options: InspectOptions): Promise<InspectResult> {
  const check = options.submissionDir === undefined ? undefined : await usableSubmission(options.submissionDir);
  const limits = resolveLimits({
    ...options.limits,
    timeoutSeconds: options.limits.timeoutSeconds ?? MAX_TIMEOUT_SECONDS,
    ...(options.unlimitedMemory ? { memoryMiB: Math.floor(totalmem() / 1024 / 1024) } : {}),
  });
  const home = options.home ?? gradeboxHome();
  const store = new ImageStore(imageStoreDir(home));
  // As for `grade local`: the docker backend gets the image (and its files' owners) from the store.
  const sandbox = await openStoreSandbox(store, options.backend, sandboxStateDir(home));
  const runInteractive = sandbox.runInteractive?.bind(sandbox);
  if (runInteractive === undefined) {
    throw new SandboxError(`the ${sandbox.name} sandbox backend cannot run interactive sessions`, 'choose another --backend');
  }

  const progress = { signal: options.signal, onProgress: options.onProgress };
  const image = await store.import(options.image, progress);
  const rootfs = await store.rootfs(image, progress);
  const exists = rootfsExists(rootfs);
  const protocol = options.protocol ?? (await detectProtocol(exists));
  const plan = protocolByName(protocol).plan({
    image: image.config,
    submissionTree: options.submissionDir ?? NO_SUBMISSION,
    args: [],
    env: options.env,
    partId: options.partId,
    // As grading picks it: the submission's only top-level file.
    filename: check !== undefined && check.topLevelFiles.length === 1 ? check.topLevelFiles[0] : undefined,
    student: { id: 'local', name: '', email: '' },
    submission: { id: 1, createdAt: new Date() },
    ...(protocol === 'script' ? { script: await scriptSetup({ rootfs, script: { path: options.script?.path ?? '', autogradeEnv: localAutogradeEnv(undefined, options.script?.autogradeEnv) } }) } : {}),
  });
  const volumes = plan.volumes.map((volume): Volume => {
    if (volume.copyFrom !== NO_SUBMISSION) return volume;
    const { copyFrom: _, ...empty } = volume;
    return empty;
  });
  const shell = await pickShell(exists, options.shell, plan.env.PATH ?? '');
  const env = { ...plan.env };
  // Like `docker run -t`: programs need a terminal type, and every image's terminfo knows xterm.
  if (options.io.terminal && env.TERM === undefined) env.TERM = 'xterm';
  const user = options.superUser ? { uid: 0, gid: 0 } : options.user ?? defaultRunUser(protocol);

  const session: InspectSession = {
    imageId: image.id, protocol, shell, user, cwd: plan.cwd, limits,
    volumes: volumes.map((v) => v.target),
    ...(options.submissionDir !== undefined ? { submissionAt: plan.volumes.find((v) => v.copyFrom !== undefined)?.target } : {}),
    ...(protocol === 'script' && options.script?.path !== undefined ? { scriptCommand: [options.script.path, ...(options.script.args ?? [])] } : {}),
    warnings: sessionWarnings(sandbox.name, options, user, plan.cwd),
  };
  options.signal?.throwIfAborted();
  options.onStart?.(session);
  const spec: InteractiveSpec = {
    image: { id: image.id, rootfs }, argv: protocol === 'script' ? withEndpoint([shell]) : [shell], env: await withHome(env, rootfs, user), cwd: plan.cwd, user, rootWritable: rootWritableFor(plan.cwd, user),
    volumes, files: plan.files, limits, network: options.network, keep: options.keep,
  };
  const outcome = await runInteractive(spec, options.io, options.signal);
  return { ...outcome, session };
}

/** What a session on `backend` does differently from a grading run, or from the oci backend, that the user should know. */
function sessionWarnings(backend: string, options: InspectOptions, user: RunUser, cwd: string): string[] {
  const warnings: string[] = [];
  if (options.network && backend === 'oci') {
    warnings.push("--allow-network shares the host's network namespace with the session: it sees every host interface and can reach services listening on the host's 127.0.0.1");
  }
  if (user.uid === 0 && backend === 'docker') {
    warnings.push(
      `root on the docker backend writes only to the volumes, /tmp and size-limited copies of ${DOCKER_ROOT_PLACES.join(', ')} and the working directory's top folder; ` +
      "the rest of the image is read-only (Docker's own writable layer has no size limit)",
    );
  }
  if (rootWritableFor(cwd, user) && backend === 'docker') {
    warnings.push(`the docker backend cannot make / writable within a size limit: the session works in ${ROOT_STAND_IN}, which links to everything in / and takes what is written there, as grading does`);
  }
  return warnings;
}

/** Checks the folder as grading would; what grading calls not-gradable is refused here too. */
async function usableSubmission(dir: string): Promise<{ topLevelFiles: string[] }> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new SubmissionPathError(`submission directory ${dir} does not exist`);
  if (!info.isDirectory()) throw new SubmissionPathError(`submission ${dir} is not a directory (pass the folder holding the files)`);
  const check = await checkSubmission(dir);
  if (!check.ok) throw new SubmissionPathError(`submission ${dir} cannot be used: ${check.problem}`);
  return check;
}
