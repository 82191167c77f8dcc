import { stat } from 'node:fs/promises';
import { buildAutogradeEnv, mergeAutogradeEnv } from '../grader/autograde-env.ts';
import { grade } from '../grader/grade.ts';
import type { GradeResult, Protocol } from '../grader/grade-result.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import type { Limits } from '../sandbox/limits.ts';
import type { SandboxBackend } from '../sandbox/open-sandbox.ts';
import type { RunUser } from '../sandbox/sandbox.ts';
import { refuseBuildContext } from './build-context.ts';
import { gradeboxHome, imageStoreDir, sandboxStateDir } from './gradebox-home.ts';
import { openStoreSandbox } from './store-sandbox.ts';
import { SubmissionPathError } from './submission-path-error.ts';

export interface GradeLocalOptions {
  /** Tarball, OCI layout or daemon image name. */
  image: string;
  submissionDir: string;
  args: string[];
  partId?: string;
  /**
   * The part's points (`--points`): Gradescope graders see them as the assignment's total_points,
   * and a result without tests' max_score is taken out of them, as the service does with a part's points.
   */
  points?: number;
  env: Record<string, string>;
  protocol?: Protocol;
  /** Who the grader runs as inside the sandbox; default the protocol's (see run-user.ts). */
  user?: RunUser;
  /** The `script` protocol's script, and a simulation of CODIO_AUTOGRADE_ENV merged over the defaults. */
  script?: { path: string; autogradeEnv?: Record<string, unknown> };
  limits: Partial<Limits>;
  backend: SandboxBackend;
  keep: boolean;
  /** Defaults to `gradeboxHome()`. */
  home?: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Grades a local submission exactly as production will: imports the image into the local store,
 * unpacks it once, and runs the grader in the chosen sandbox backend (for `docker`, the daemon
 * gets the image from the store if it lacks it).
 */
export async function gradeLocal(options: GradeLocalOptions): Promise<GradeResult> {
  await requireDirectory(options.submissionDir);
  await refuseBuildContext(options.image, (name) => ['gradebox', 'grade', 'local', name, options.submissionDir]);
  const home = options.home ?? gradeboxHome();
  const store = new ImageStore(imageStoreDir(home));
  const progress = { signal: options.signal, onProgress: options.onProgress };
  // The sandbox gets ready (state folders, the runtime's cached verdict) while the image store
  // looks the image up: both mostly wait on small file reads. The image's problems are reported
  // first, as when one came after the other; the sandbox's wait until the image is there.
  const opening = openStoreSandbox(store, options.backend, sandboxStateDir(home));
  opening.catch(() => undefined);
  const image = await store.import(options.image, progress);
  const rootfs = await store.rootfs(image, progress);
  options.onProgress?.({ phase: 'grading', done: 0 });
  const sandbox = await opening;
  return grade(
    {
      image,
      rootfs,
      submissionDir: options.submissionDir,
      args: options.args,
      ...(options.partId !== undefined ? { partId: options.partId } : {}),
      ...(options.points !== undefined ? { assignment: { totalPoints: options.points } } : {}),
      env: options.env,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.script !== undefined ? { script: { path: options.script.path, autogradeEnv: localAutogradeEnv(options.points, options.script.autogradeEnv) } } : {}),
      limits: options.limits,
      keep: options.keep,
    },
    { sandbox },
    options.signal,
  );
}

/**
 * CODIO_AUTOGRADE_ENV for a local run: a local student who completed the work now, one part
 * worth `--points` (not yet graded) when they are given, then the author's simulation over it.
 */
export function localAutogradeEnv(points: number | undefined, overrides: Record<string, unknown> = {}): string {
  const defaults = buildAutogradeEnv({
    parts: points === undefined ? [] : [{ name: 'local', points, earned: null }],
    student: { id: 'local', username: 'local', fullName: 'Local Student', email: 'local@example.com' },
    course: { id: 'local' },
    assignment: { id: 'local', name: 'local' },
    completedDate: new Date(),
  });
  return JSON.stringify(mergeAutogradeEnv(defaults, overrides));
}

async function requireDirectory(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new SubmissionPathError(`submission directory ${path} does not exist`);
  if (!info.isDirectory()) throw new SubmissionPathError(`submission ${path} is not a directory (pass the folder holding the files)`);
}
