// A whole grading service minus HTTP, for worker tests: a real SQLite file, the SQL job queue,
// the platform and its grading store, blob and image stores, and the real sandbox ('auto': oci
// here). Courses are set up through the platform exactly as an instructor would.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.ts';
import { BlobStore } from '../../src/image/blob-store.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { intakeTmpDir } from '../../src/intake/staging.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import { createGradingStore } from '../../src/platform/grading-store.ts';
import type { Actor, GraderProtocol, GradingJob, Submission } from '../../src/platform/model.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import { openStoreSandbox } from '../../src/toolkit/store-sandbox.ts';
import type { GradingStore } from '../../src/worker/grading-store.ts';
import { WorkerPool, type WorkerPoolOptions } from '../../src/worker/worker-pool.ts';
import { filePart, partsOf } from '../intake/helpers.ts';
import { snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { testImage } from '../support/test-image.ts';

/** Shared by every test of a file: images are imported and unpacked once. */
export interface Shared {
  dir: string;
  images: ImageStore;
  sandbox: Sandbox;
  leftoverScope: LeftoverScope;
  /** The image id of a test image (see test/support/test-image.ts), imported on first use. */
  image(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openShared(): Promise<Shared> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-worker-test-'));
  const images = new ImageStore(path.join(dir, 'images'));
  const stateDir = path.join(dir, 'sandbox');
  const sandbox = await openStoreSandbox(images, 'auto', stateDir);
  const imported = new Map<string, Promise<string>>();
  return {
    dir,
    images,
    sandbox,
    leftoverScope: { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] },
    image(name) {
      let id = imported.get(name);
      if (id === undefined) {
        id = images.import(testImage(name)).then((record) => record.id);
        imported.set(name, id);
      }
      return id;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface PartSpec {
  id: string;
  /** A test image name. */
  image: string;
  /** Instead of `image`: an image id (e.g. one the store lacks). */
  imageId?: string;
  cpus?: number;
  memoryMiB?: number;
  timeoutSeconds?: number;
  protocol?: GraderProtocol;
  points?: number;
}

/** One test's service: a fresh database, blob store and work folder over the shared images. */
export interface World {
  dir: string;
  db: OpenedDatabase;
  queue: SqlJobQueue;
  store: GradingStore;
  platform: Platform;
  blobs: BlobStore;
  admin: Actor;
  student: Actor;
  /** Creates assignment `id` with these parts, each with a published grader. */
  assignment(id: string, parts: PartSpec[], deadline?: string): Promise<void>;
  /** Alice submits these files (path → content). */
  submit(assignmentId: string, files: Record<string, string>): Promise<Submission>;
  /** The submission as staff see it. */
  submission(id: string): Promise<Submission>;
  job(id: string): Promise<GradingJob>;
  /** A pool over this world (stopped by `close`); options override the test defaults. */
  pool(options?: Partial<WorkerPoolOptions>): WorkerPool;
  /** What intake left in the blob store's tmp folder (nothing, once a submission is stored). */
  intakeLeftovers(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openWorld(shared: Shared): Promise<World> {
  const dir = await mkdtemp(path.join(shared.dir, 'world-'));
  const db = await openDatabase(path.join(dir, 'gradebox.sqlite'));
  const queue = new SqlJobQueue(db.db);
  const events = new SubmissionEvents();
  const platform = createPlatform({ db: db.db, queue, events });
  const store = createGradingStore({ db: db.db, queue, events });
  const blobs = new BlobStore(path.join(dir, 'blobs'));
  const bootstrap = await platform.bootstrapAdmin();
  if (!bootstrap) throw new Error('no bootstrap token');
  const admin = await platform.authenticate(bootstrap.token);
  await platform.applyCourseFile(admin, {
    course: { id: 'cs101', title: 'CS 101' },
    members: [
      { login: admin.login, role: 'instructor' },
      { login: 'alice', displayName: 'Alice Liddell', role: 'student' },
    ],
  });
  const aliceToken = await platform.issueToken(admin, { login: 'alice', name: 'test', scopes: ['read', 'submit'] });
  const student = await platform.authenticate(aliceToken.token);
  const pools: WorkerPool[] = [];

  return {
    dir,
    db,
    queue,
    store,
    platform,
    blobs,
    admin,
    student,
    async assignment(id, parts, deadline) {
      await platform.applyCourseFile(admin, {
        course: { id: 'cs101', title: 'CS 101' },
        assignments: [{ id, title: `Assignment ${id}`, deadline: deadline ?? null, parts: parts.map((p) => ({ id: p.id, points: p.points ?? 10 })) }],
      });
      for (const part of parts) {
        const image = part.imageId ?? (await shared.image(part.image));
        await platform.recordImageUpload(admin, 'cs101', image);
        await platform.createDraft(admin, {
          courseId: 'cs101',
          assignmentId: id,
          partId: part.id,
          imageId: image,
          cpus: part.cpus ?? 1,
          memoryMiB: part.memoryMiB ?? 1024,
          timeoutSeconds: part.timeoutSeconds ?? 30,
          ...(part.protocol ? { protocol: part.protocol } : {}),
        });
      }
      await platform.publish(admin, 'cs101', id);
    },
    async submit(assignmentId, files) {
      const stored = await receiveSubmission(partsOf(...Object.entries(files).map(([name, content]) => filePart(name, content))), blobs);
      return platform.submit(student, { courseId: 'cs101', assignmentId, files: stored });
    },
    submission: (id) => platform.getSubmission(admin, id),
    job: (id) => platform.getJob(admin, id),
    pool(options = {}) {
      const pool = new WorkerPool({
        queue,
        store,
        blobs,
        images: shared.images,
        sandbox: shared.sandbox,
        capacity: { cpus: 2, memoryMiB: 8192 },
        pollMs: 100,
        leaseMs: 3000,
        retryDelaysMs: [50, 100],
        ...options,
      });
      pools.push(pool);
      return pool;
    },
    intakeLeftovers: () => readdir(intakeTmpDir(blobs)).catch(() => []),
    async close() {
      for (const pool of pools) await pool.stop({ drain: false });
      await db.close();
    },
  };
}

/** Leftovers of the shared sandbox right now (processes, mounts, cgroups, runtime state). */
export function leftovers(shared: Shared): Promise<string[]> {
  return snapshotLeftovers(shared.leftoverScope);
}
