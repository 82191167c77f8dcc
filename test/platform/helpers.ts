/** A platform over a test database, with actors for every role and sample data. */
import { createHash } from 'node:crypto';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { createGradingStore } from '../../src/platform/grading-store.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import type { Actor, CourseFile, Scope, SubmissionFile } from '../../src/platform/model.ts';
import { SCOPES } from '../../src/platform/model.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import type { GradingStore } from '../../src/worker/grading-store.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { useEmptyDatabase, type DatabaseFactory, type TestDatabase } from '../support/databases.ts';

export interface Harness {
  platform: Platform;
  queue: SqlJobQueue;
  events: SubmissionEvents;
  store: GradingStore;
  admin: Actor;
  /** Moves the platform's clock. */
  clock: { now: Date; advance(ms: number): void };
  /** An actor for `login` with these scopes (the user must exist). */
  actor(login: string, scopes?: Scope[]): Promise<Actor>;
}

export async function harness(t: TestDatabase, options: { queue?: SqlJobQueue } = {}): Promise<Harness> {
  const clock = {
    now: new Date(),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const now = (): Date => clock.now;
  const queue = options.queue ?? new SqlJobQueue(t.db, { now });
  const events = new SubmissionEvents();
  const real = createPlatform({ db: t.db, queue, events, now });
  const store = createGradingStore({ db: t.db, queue, events, now });
  const issued = await real.bootstrapAdmin();
  if (!issued) throw new Error('the test database was not empty');
  const admin = await real.authenticate(issued.token);
  // A fixture: every course a test applies has the images imageId(1…20) uploaded to it.
  const platform: Platform = {
    ...real,
    applyCourseFile: async (actor, file, options) => {
      const changes = await real.applyCourseFile(actor, file, options);
      if (options?.dryRun !== true) {
        for (let n = 1; n <= UPLOADED_IMAGES; n++) await real.recordImageUpload(admin, file.course.id, imageId(n)).catch(() => undefined);
      }
      return changes;
    },
  };
  const actor = async (login: string, scopes: Scope[] = [...SCOPES]): Promise<Actor> => {
    const token = await platform.issueToken(admin, { login, name: 'test', scopes });
    return platform.authenticate(token.token);
  };
  return { platform, queue, events, store, admin, clock, actor };
}

/** How many of imageId(1), imageId(2), … count as uploaded to every course a test applies. */
export const UPLOADED_IMAGES = 20;

export const COURSE = 'cs101';
export const ASSIGNMENT = 'hw1';

/** cs101: ines (instructor), tara (ta), sam and sue (students); hw1 with parts p1 (10) and p2 (5). */
export function courseFile(overrides: Partial<CourseFile> = {}): CourseFile {
  return {
    course: { id: COURSE, title: 'Intro to Programming' },
    members: [
      { login: 'ines', displayName: 'Ines Instructor', role: 'instructor' },
      { login: 'tara', role: 'ta' },
      { login: 'sam', role: 'student' },
      { login: 'sue', role: 'student' },
    ],
    assignments: [
      {
        id: ASSIGNMENT,
        title: 'Homework 1',
        deadline: '2030-01-01T00:00:00Z',
        parts: [
          { id: 'p1', title: 'Part 1', points: 10 },
          { id: 'p2', points: 5 },
        ],
      },
    ],
    ...overrides,
  };
}

export function imageId(n: number): string {
  return `sha256:${createHash('sha256').update(String(n)).digest('hex')}`;
}

export function file(path: string, content = path): SubmissionFile {
  return { path, size: Buffer.byteLength(content), digest: `sha256:${createHash('sha256').update(content).digest('hex')}` };
}

/** The course set up, with a published grader on p1 (and p2 when `bothParts`). */
export async function course(h: Harness, options: { bothParts?: boolean } = {}): Promise<void> {
  await h.platform.applyCourseFile(h.admin, courseFile());
  const parts = options.bothParts === true ? ['p1', 'p2'] : ['p1'];
  for (const [i, partId] of parts.entries()) {
    await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId, imageId: imageId(i + 1) });
  }
  await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
}

/** A full GradeResult; `overrides` replace top-level fields. */
export function gradeResult(overrides: Partial<GradeResult> = {}): GradeResult {
  const out = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  return {
    status: 'graded',
    score: 0.5,
    points: null,
    feedback: { text: 'Half right.', format: 'text' },
    tests: [
      { name: 'shown', score: 1, maxScore: 1, status: 'passed', output: 'ok', outputFormat: 'text', visibility: 'visible' },
      { name: 'secret', score: 0, maxScore: 1, status: 'failed', output: 'expected 42', outputFormat: 'text', visibility: 'hidden' },
      { name: 'later', score: 0, maxScore: 1, status: 'failed', output: 'edge case', outputFormat: 'text', visibility: 'after_due_date' },
    ],
    errors: [],
    warnings: ['exit code 1 next to a valid result'],
    output: { stdout: out('grader log'), stderr: out('traceback'), visibleToStudents: false },
    run: { wallMs: 10, cpuMs: 5, peakMemoryBytes: 1000, reason: 'exited', exitCode: 0, signal: null },
    protocol: 'gradescope',
    image: { id: imageId(1) },
    limits: { cpus: 1, memoryMiB: 1024, pids: 256, timeoutSeconds: 60, writableMiB: 256, tmpMiB: 64, outputCapBytes: 65536, outputLimitBytes: 1048576 },
    ...overrides,
  };
}

/** A suite on one database of `factory`: emptied, with a fresh harness, before each test. */
export function useHarness(factory: DatabaseFactory, ready: (world: { t: TestDatabase; h: Harness }) => void): void {
  useEmptyDatabase(factory, async (t) => {
    ready({ t, h: await harness(t) });
  });
}
