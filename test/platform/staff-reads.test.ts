/** The staff pages' reads: a submission's every job (listSubmissionJobs) and the queue dashboard (getQueueOverview). */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { Forbidden, NotFound } from '../../src/platform/errors.ts';
import { timingStat } from '../../src/platform/queue-overview.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, courseFile, file, gradeResult, imageId, useHarness, type Harness } from './helpers.ts';

const CAPACITY = { cpus: 8, memoryMiB: 16384 };

describe('timingStat', () => {
  it('gives the median and the 95th percentile by nearest rank', () => {
    expect(timingStat([])).toEqual({ count: 0, medianMs: null, p95Ms: null });
    expect(timingStat([5])).toEqual({ count: 1, medianMs: 5, p95Ms: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(timingStat(hundred)).toEqual({ count: 100, medianMs: 50, p95Ms: 95 });
  });
});

describe.each(databases)('staff reads on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));
  const target = { courseId: COURSE, assignmentId: ASSIGNMENT };

  /** Runs the job through its phases, the clock moving `ms` at each, and stores `result`. */
  async function run(jobId: string, ms: number, result = gradeResult()): Promise<void> {
    for (const phase of ['preparing', 'running', 'reporting'] as const) {
      h.clock.advance(ms);
      await h.store.setPhase(jobId, phase);
    }
    h.clock.advance(ms);
    await h.store.saveResult(jobId, encodeResult(result));
  }

  it('lists every job of a submission with phases, worker and the whole result, for staff only', async () => {
    await course(h, { bothParts: true });
    const sam = await h.actor('sam', ['read', 'submit']);
    const submission = await h.platform.submit(sam, { ...target, files: [file('a.py')] });
    const claimed = await h.queue.claim({ workerId: 'w1', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    expect(claimed).toBeDefined();
    await run(claimed!.jobId, 1000);

    const view = await h.platform.listSubmissionJobs(await h.actor('tara'), submission.id);
    expect(view.owner).toEqual({ login: 'sam', displayName: 'sam' });
    expect(view.jobs.map((j) => j.partId).sort()).toEqual(['p1', 'p2']);
    const done = view.jobs.find((j) => j.id === claimed!.jobId)!;
    // Done, its lease gone: the worker that took its attempt is kept.
    expect(done).toMatchObject({ phase: 'done', attempts: 1, graderNumber: 1, shadow: false, regradeId: null, worker: 'w1' });
    expect(Object.keys(done.phases)).toEqual(['queued', 'preparing', 'running', 'reporting', 'done']);
    // Staff see the hidden test and the output.
    expect(done.result?.tests.map((t) => [t.name, t.visibility])).toContainEqual(['secret', 'hidden']);
    expect(done.result?.output).toEqual({ stdout: 'grader log', stderr: 'traceback' });
    const waiting = view.jobs.find((j) => j.id !== claimed!.jobId)!;
    expect(waiting).toMatchObject({ phase: 'queued', result: null, worker: null });

    // A claimed job names its worker.
    await h.queue.claim({ workerId: 'w2', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    const again = await h.platform.listSubmissionJobs(h.admin, submission.id);
    expect(again.jobs.find((j) => j.id === waiting.id)?.worker).toBe('w2');

    // Students: not even their own submission's jobs.
    await expect(h.platform.listSubmissionJobs(sam, submission.id)).rejects.toThrow(Forbidden);
    await expect(h.platform.listSubmissionJobs(await h.actor('sue'), submission.id)).rejects.toThrow(Forbidden);
    await expect(h.platform.listSubmissionJobs(h.admin, 'sub_missing')).rejects.toThrow(NotFound);
  });

  it('lists the workers that announce themselves, with slots and capacity, until they retire or fall silent', async () => {
    await course(h);
    await h.queue.announceWorker({ workerId: 'w1', host: 'grader-1', slots: 4, capacity: { cpus: 4, memoryMiB: 8192 } });
    await h.queue.announceWorker({ workerId: 'w2', host: 'grader-2', slots: 2, capacity: { cpus: 2, memoryMiB: 4096 } });
    await h.platform.submit(await h.actor('sam', ['read', 'submit']), { ...target, files: [file('a.py')] });
    await h.queue.claim({ workerId: 'w1', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    let workers = (await h.platform.getQueueOverview(h.admin)).workers!;
    expect(workers.map((w) => w.workerId)).toEqual(['w1', 'w2']);
    expect(workers[0]).toMatchObject({ host: 'grader-1', slots: 4, capacity: { cpus: 4, memoryMiB: 8192 }, jobs: 1, cpus: 1, memoryMiB: 1024, expired: false });
    expect(workers[0]!.leaseUntil).not.toBeNull();
    expect(workers[1]).toMatchObject({ slots: 2, jobs: 0, leaseUntil: null, expired: false });

    // Announcing again keeps the worker's start and moves its last sighting; retiring removes it.
    h.clock.advance(2 * 60_000);
    await h.queue.announceWorker({ workerId: 'w1', host: 'grader-1', slots: 4, capacity: { cpus: 4, memoryMiB: 8192 } });
    await h.queue.retireWorker('w2');
    h.clock.advance(2 * 60_000);
    workers = (await h.platform.getQueueOverview(h.admin)).workers!;
    expect(workers.map((w) => w.workerId)).toEqual(['w1']);
    // Silent for two minutes, its lease run out: probably gone.
    expect(workers[0]!.expired).toBe(true);
    // Long silent workers holding nothing are left out.
    h.clock.advance(20 * 60_000);
    await h.queue.complete((await h.platform.listSubmissionJobs(h.admin, (await h.platform.listSubmissions(h.admin, COURSE, ASSIGNMENT))[0]!.id)).jobs[0]!.id, 'w1');
    expect((await h.platform.getQueueOverview(h.admin)).workers).toEqual([]);
  });

  it('gives a course its counts, timings and failures, and administrators every course with the workers', async () => {
    await course(h, { bothParts: true });
    await h.platform.applyCourseFile(h.admin, courseFile({ course: { id: 'cs202', title: 'Other' } }));
    await h.platform.createDraft(h.admin, { courseId: 'cs202', assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(1) });
    await h.platform.publish(h.admin, 'cs202', ASSIGNMENT);
    const sam = await h.actor('sam', ['read', 'submit']);
    const first = await h.platform.submit(sam, { ...target, files: [file('a.py')] });
    h.clock.advance(1000);
    await h.platform.submit(await h.actor('sue', ['read', 'submit']), { ...target, files: [file('b.py')] });

    // One job runs to a timeout, one is held by a worker, one fails with a system error.
    const a = await h.queue.claim({ workerId: 'w1', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    await run(a!.jobId, 2000, gradeResult({ status: 'timeout', score: null, run: { wallMs: 1, cpuMs: 1, peakMemoryBytes: 1, reason: 'timeout', exitCode: null, signal: 'SIGKILL' } }));
    await h.queue.complete(a!.jobId, 'w1');
    const b = await h.queue.claim({ workerId: 'w1', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    await h.store.setPhase(b!.jobId, 'preparing');
    const c = await h.queue.claim({ workerId: 'w2', free: CAPACITY, total: CAPACITY, leaseMs: 60_000 });
    await h.store.noteSystemError(c!.jobId, 1, 'image pull failed: registry unreachable');
    await h.queue.retry(c!.jobId, 'w2', 60_000, 'image pull failed');
    // Another course's job, after the claims (claims are fair between courses).
    await h.platform.submit(sam, { courseId: 'cs202', assignmentId: ASSIGNMENT, files: [file('c.py')] });

    const ines = await h.actor('ines');
    const mine = await h.platform.getQueueOverview(ines, COURSE);
    expect(mine.courseId).toBe(COURSE);
    expect(mine.workers).toBeNull();
    const total = mine.counts.reduce((n, cell) => n + cell.jobs, 0);
    expect(total).toBe(3); // 4 jobs in cs101, one done
    expect(mine.counts).toContainEqual({ state: 'preparing', priority: 'student', jobs: 1 });
    expect(mine.counts.find((cell) => cell.state === 'retry-wait' || cell.state === 'waiting')).toBeDefined();
    expect(mine.timings.jobs).toBe(1);
    expect(mine.timings.wait.count).toBe(1);
    expect(mine.timings.run).toEqual({ count: 1, medianMs: 2000, p95Ms: 2000 });
    expect(mine.failed.map((f) => [f.status, f.submissionId])).toContainEqual(['timeout', first.id]);
    expect(mine.failed.find((f) => f.status === 'timeout')?.cause).toContain('timeout');
    // Every failure listed is cs101's.
    for (const failure of mine.failed) expect(failure.courseId).toBe(COURSE);

    const all = await h.platform.getQueueOverview(h.admin);
    expect(all.courseId).toBeNull();
    expect(all.counts.reduce((n, cell) => n + cell.jobs, 0)).toBe(4);
    expect(all.workers?.map((w) => w.workerId)).toContain('w1');
    expect(all.workers?.find((w) => w.workerId === 'w1')).toMatchObject({ jobs: 1, cpus: 1, memoryMiB: 1024, expired: false });
    // w1 never announced itself: known by its lease only.
    expect(all.workers?.find((w) => w.workerId === 'w1')).toMatchObject({ slots: null, capacity: null, seenAt: null });
    const systemError = all.failed.find((f) => f.status === 'system-error');
    expect(systemError?.cause).toContain('registry unreachable');

    // Students and TAs of other courses: no; strangers: no such course; only admins see every course.
    await expect(h.platform.getQueueOverview(sam, COURSE)).rejects.toThrow(Forbidden);
    await expect(h.platform.getQueueOverview(ines)).rejects.toThrow(Forbidden);
    await expect(h.platform.getQueueOverview(ines, 'nope')).rejects.toThrow(NotFound);
    expect((await h.platform.getQueueOverview(await h.actor('tara'), COURSE)).workers).toBeNull();
  });
});
