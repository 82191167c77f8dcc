/**
 * `gradebox grade remote`: reproduces a stored grading on this machine. Downloads the submission's
 * files and the grader version's image (unless the local store has it), grades with the version's
 * limits and protocol through the same `grade` as production, and returns the stored result beside
 * the new one. Temporary files are removed whatever happens.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { grade } from '../grader/grade.ts';
import { serviceGradeRequest } from '../grader/service-grade-request.ts';
import type { GradeResult } from '../grader/grade-result.ts';
import { ImageError, type ImageRecord } from '../image/image.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import type { GraderVersion, PartOutcome, PartResult, Submission } from '../platform/model.ts';
import type { SandboxBackend } from '../sandbox/open-sandbox.ts';
import { imageStoreDir, sandboxStateDir } from '../toolkit/gradebox-home.ts';
import { openStoreSandbox } from '../toolkit/store-sandbox.ts';
import type { ApiClient } from './api-client.ts';
import { PreflightError, ServerUnreachable } from './client-errors.ts';
import { unpackSubmissionTar } from './unpack-archive.ts';
import { chooseVersion, type VersionChoice, type VersionWanted } from './choose-version.ts';

export interface GradeRemoteOptions {
  submissionId: string;
  /** Only this part; default every part of the submission. */
  part?: string;
  wanted: VersionWanted;
  backend: SandboxBackend;
  /** gradebox's home (image store, sandbox state). */
  home: string;
  keep?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export interface RemotePartGrading {
  partId: string;
  version: GraderVersion;
  chosenBy: VersionChoice['chosenBy'];
  /** What the server stored for this part (null: not graded yet). */
  stored: PartResult | null;
  /** This machine's grading with the same image, limits and protocol. */
  local: GradeResult;
}

export interface RemoteGrading {
  submission: Submission;
  parts: RemotePartGrading[];
}

export async function gradeRemote(client: ApiClient, options: GradeRemoteOptions): Promise<RemoteGrading> {
  const progress = options.onProgress ?? (() => undefined);
  progress({ phase: 'fetching the submission', done: 0 });
  const submission = await client.submission(options.submissionId);
  const outcomes = pickParts(submission, options.part);
  if (options.wanted.version !== undefined && outcomes.length > 1) {
    throw new PreflightError(`--version names one part's grader version, and submission ${submission.id} has parts ${outcomes.map((o) => o.partId).join(', ')}: add --part`);
  }
  // Every version is chosen before anything big is downloaded, so a wrong --version fails fast.
  const plans: Array<{ outcome: PartOutcome } & VersionChoice> = [];
  for (const outcome of outcomes) {
    const versions = await client.graderVersions(submission.courseId, submission.assignmentId, outcome.partId);
    plans.push({ outcome, ...chooseVersion(versions, outcome, options.wanted) });
  }
  const assignment = await client.assignment(submission.courseId, submission.assignmentId);

  const store = new ImageStore(imageStoreDir(options.home));
  const work = await mkdtemp(path.join(tmpdir(), 'gradebox-remote-'));
  try {
    const submissionDir = path.join(work, 'submission');
    progress({ phase: 'downloading the submission', done: 0 });
    const archive = await client.submissionArchive(submission.id);
    await unpackSubmissionTar(bodyOf(archive, client.server), submissionDir);
    const sandbox = await openStoreSandbox(store, options.backend, sandboxStateDir(options.home));
    const parts: RemotePartGrading[] = [];
    for (const plan of plans) {
      const image = await ensureImage(client, store, submission.courseId, plan.version.imageId, options);
      const rootfs = await store.rootfs(image, { ...(options.signal ? { signal: options.signal } : {}), onProgress: progress });
      progress({ phase: `grading part ${plan.outcome.partId}`, done: 0 });
      const local = await grade(
        {
          image,
          rootfs,
          submissionDir,
          ...serviceGradeRequest({
            partId: plan.outcome.partId,
            login: submission.login,
            courseId: submission.courseId,
            submissionId: submission.id,
            submittedAt: new Date(submission.submittedAt),
            assignment: { id: assignment.id, title: assignment.title, deadline: assignment.deadline ? new Date(assignment.deadline) : null },
            partPoints: plan.outcome.points,
            grader: plan.version,
          }),
          keep: options.keep ?? false,
        },
        { sandbox },
        options.signal,
      );
      parts.push({ partId: plan.outcome.partId, version: plan.version, chosenBy: plan.chosenBy, stored: plan.outcome.result, local });
    }
    return { submission, parts };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function pickParts(submission: Submission, part: string | undefined): PartOutcome[] {
  if (part === undefined) {
    if (submission.parts.length === 0) throw new PreflightError(`submission ${submission.id} has no graded parts`);
    return submission.parts;
  }
  const outcome = submission.parts.find((p) => p.partId === part);
  if (outcome === undefined) {
    throw new PreflightError(`submission ${submission.id} has no part "${part}" (its parts: ${submission.parts.map((p) => p.partId).join(', ') || 'none'})`);
  }
  return [outcome];
}

/** The image from the local store when all its blobs are there, else downloaded (streamed to a file) and imported. */
async function ensureImage(client: ApiClient, store: ImageStore, course: string, imageId: string, options: GradeRemoteOptions): Promise<ImageRecord> {
  const known = await store.get(imageId);
  if (known && (await hasBlobs(store, known))) return known;
  const tmpRoot = path.join(store.root, 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  // In the store's own folder: an image may be gigabytes, more than a tmpfs /tmp holds.
  const dir = await mkdtemp(path.join(tmpRoot, 'download-'));
  try {
    const file = path.join(dir, 'image.tar');
    const response = await client.downloadImage(course, imageId);
    const total = Number(response.headers.get('content-length') ?? '') || undefined;
    let done = 0;
    const counted = async function* (body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        done += chunk.length;
        options.onProgress?.({ phase: 'downloading the grader image', done, ...(total ? { total } : {}) });
        yield chunk;
      }
    };
    await pipeline(Readable.from(counted(bodyOf(response, client.server))), createWriteStream(file), { signal: options.signal });
    const record = await store.import(file, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    if (record.id !== imageId) throw new ImageError(`the server sent image ${record.id} when asked for ${imageId}; not grading with it`);
    return record;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function hasBlobs(store: ImageStore, image: ImageRecord): Promise<boolean> {
  for (const digest of [image.id, ...image.layers.map((l) => l.digest)]) {
    if (!(await store.blobs.has(digest))) return false;
  }
  return true;
}

/** A response body, read errors (the connection cut mid-download) turned into ServerUnreachable. */
async function* bodyOf(response: Response, server: string): AsyncGenerator<Uint8Array> {
  if (response.body === null) return;
  try {
    yield* response.body;
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw new ServerUnreachable(server, 'the connection was cut during a download', true, { cause: error });
  }
}
