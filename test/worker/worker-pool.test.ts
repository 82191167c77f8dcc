/**
 * The worker pool end to end: real SQLite file, SQL job queue, the platform's grading store, the
 * real sandbox ('auto': oci on this machine, needs root) and the test images. After every test
 * nothing may be left: no sandbox process, mount, cgroup or runtime state, no job folder.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import type { GradingJob, PartOutcome, Submission } from '../../src/platform/model.ts';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { SandboxError, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { newLeftovers } from '../support/leftovers.ts';
import { leftovers, openShared, openWorld, type Shared, type World } from './world.ts';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('WorkerPool', () => {
  let shared: Shared;
  let world: World;
  let before: string[];

  beforeAll(async () => {
    shared = await openShared();
  });
  afterAll(async () => {
    await shared?.close();
  });
  beforeEach(async () => {
    world = await openWorld(shared);
    before = await leftovers(shared);
  });
  afterEach(async () => {
    await world.close();
    expect(newLeftovers(before, await leftovers(shared))).toEqual([]);
    expect(await world.intakeLeftovers()).toEqual([]);
  });

  const part = (submission: Submission, partId: string): PartOutcome => {
    const found = submission.parts.find((p) => p.partId === partId);
    if (!found) throw new Error(`no part ${partId}`);
    return found;
  };
  const jobOf = (submission: Submission, partId: string): GradingJob => {
    const job = part(submission, partId).job;
    if (!job) throw new Error(`part ${partId} has no job`);
    return job;
  };
  const time = (job: GradingJob, phase: keyof GradingJob['phases']): number => {
    const at = job.phases[phase];
    if (at === undefined) throw new Error(`job ${job.id} never reached ${phase}`);
    return Date.parse(at);
  };
  /** A sandbox that fails like a broken host for the first `failures` runs, then runs for real. */
  const flaky = (failures: number): Sandbox & { runs: number } => {
    const wrapper = {
      name: shared.sandbox.name,
      runs: 0,
      run: async (...args: Parameters<Sandbox['run']>) => {
        wrapper.runs++;
        if (wrapper.runs <= failures) throw new SandboxError(`runc failed to start the container (run ${wrapper.runs})`, 'check the host');
        return shared.sandbox.run(...args);
      },
      cleanupStale: shared.sandbox.cleanupStale.bind(shared.sandbox),
    };
    return wrapper;
  };

  it('announces itself to the queue with its slots and capacity while it runs, and leaves the roster when it stops', async () => {
    const pool = world.pool({ slots: 3, capacity: { cpus: 2, memoryMiB: 2048 }, workerId: 'pool-roster' });
    pool.start();
    await expect
      .poll(async () => (await world.platform.getQueueOverview(world.admin)).workers)
      .toEqual([expect.objectContaining({ workerId: 'pool-roster', slots: 3, capacity: { cpus: 2, memoryMiB: 2048 }, jobs: 0, expired: false })]);
    await pool.stop({ drain: true });
    expect((await world.platform.getQueueOverview(world.admin)).workers).toEqual([]);
  });

  it('grades a submission end to end, recording every phase', async () => {
    await world.assignment('hw1', [{ id: 'sums', image: 'coursera-sh', points: 20 }], '2030-06-01T12:00:00.000Z');
    const submitted = await world.submit('hw1', { 'answer.txt': '55\n385\n' });
    const pool = world.pool();
    pool.start();
    await pool.idle();

    const submission = await world.submission(submitted.id);
    expect(submission.status).toBe('graded');
    const outcome = part(submission, 'sums');
    expect(outcome.result).toMatchObject({ status: 'graded', score: 1, points: 20 });
    // The grader saw the part id, the login and the submitted file's name.
    expect(outcome.result?.full?.output.stdout.text).toContain('grading part sums for user alice (answer.txt)');
    const job = jobOf(submission, 'sums');
    expect(job).toMatchObject({ phase: 'done', attempts: 1, lastError: null });
    const order = (['queued', 'preparing', 'running', 'reporting', 'done'] as const).map((phase) => time(job, phase));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await world.queue.size()).toEqual({ waiting: 0, leased: 0 });
    await pool.stop({ drain: true });
  });

  it('stores a crash and a timeout as results, and the jobs end', async () => {
    await world.assignment('hw2', [
      { id: 'crash', image: 'no-output' },
      { id: 'slow', image: 'run-submission', timeoutSeconds: 2 },
    ]);
    const submitted = await world.submit('hw2', { 'main.sh': 'sleep 60\n' });
    const pool = world.pool();
    pool.start();
    await pool.idle();

    const submission = await world.submission(submitted.id);
    expect(part(submission, 'crash').result).toMatchObject({ status: 'grader-error', score: null });
    expect(part(submission, 'crash').result?.full?.output.stderr.text).toContain('NameError');
    expect(part(submission, 'slow').result).toMatchObject({ status: 'timeout', score: null });
    for (const partId of ['crash', 'slow']) expect(jobOf(submission, partId)).toMatchObject({ phase: 'done', attempts: 1, lastError: null });
    expect(await world.queue.size()).toEqual({ waiting: 0, leased: 0 });
  });

  it('only completes a job delivered again after its result was stored', async () => {
    await world.assignment('hw3', [{ id: 'p1', image: 'echo-busybox' }]);
    const submitted = await world.submit('hw3', { 'a.txt': 'a' });
    const jobId = jobOf(await world.submission(submitted.id), 'p1').id;
    // A first worker claims the job, grades it, stores the result and dies before completing it.
    const ghost = await world.queue.claim({ workerId: 'ghost', free: { cpus: 2, memoryMiB: 8192 }, total: { cpus: 2, memoryMiB: 8192 }, leaseMs: 200 });
    expect(ghost?.jobId).toBe(jobId);
    const ghostResult: GradeResult = {
      status: 'graded',
      score: 0.25,
      points: null,
      feedback: { text: 'from the first delivery', format: 'text' },
      tests: [],
      errors: [],
      warnings: [],
      output: { stdout: { text: '', bytes: 0, truncated: false }, stderr: { text: '', bytes: 0, truncated: false }, visibleToStudents: false },
      run: { wallMs: 1, cpuMs: 1, peakMemoryBytes: 1, reason: 'exited', exitCode: 0, signal: null },
      protocol: 'coursera',
      image: { id: await shared.image('echo-busybox') },
      limits: resolveLimits({}),
    };
    expect(await world.store.saveResult(jobId, encodeResult(ghostResult))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const sandbox = flaky(0);
    const pool = world.pool({ sandbox });
    pool.start();
    await pool.idle();
    expect(sandbox.runs).toBe(0);
    const submission = await world.submission(submitted.id);
    expect(part(submission, 'p1').result).toMatchObject({ status: 'graded', score: 0.25 });
    expect(await world.queue.size()).toEqual({ waiting: 0, leased: 0 });
    // And a late save of another delivery keeps the first result.
    expect(await world.store.saveResult(jobId, encodeResult({ ...ghostResult, score: 1 }))).toBe(false);
    expect(part(await world.submission(submitted.id), 'p1').result?.score).toBe(0.25);
  });

  /** Assignment `id` with parts `a` and `b`, each graded by run-submission with `cpus`; a submission sleeping `seconds` in each. */
  const submitTwoParts = async (id: string, cpus: number, seconds: number): Promise<Submission> => {
    await world.assignment(id, [
      { id: 'a', image: 'run-submission', cpus },
      { id: 'b', image: 'run-submission', cpus },
    ]);
    return world.submit(id, { 'main.sh': `sleep ${seconds}\n` });
  };

  it('runs a 2-cpu grader alone on a 2-cpu worker', async () => {
    const submitted = await submitTwoParts('hw4', 2, 1);
    const pool = world.pool({ capacity: { cpus: 2, memoryMiB: 8192 }, slots: 2 });
    pool.start();
    await pool.idle();
    const submission = await world.submission(submitted.id);
    const [first, second] = [jobOf(submission, 'a'), jobOf(submission, 'b')].sort((x, y) => time(x, 'running') - time(y, 'running'));
    expect(part(submission, 'a').result?.status).toBe('graded');
    expect(part(submission, 'b').result?.status).toBe('graded');
    // The second grader started only after the first had finished. The second job was prepared
    // meanwhile, and the first's result may still have been being saved: neither holds the CPUs.
    expect(time(second!, 'running')).toBeGreaterThanOrEqual(time(first!, 'reporting'));
    expect(time(second!, 'preparing')).toBeLessThan(time(first!, 'reporting'));
  });

  it('runs two 1-cpu graders at once on a 2-cpu worker', async () => {
    // Each sleeps long enough that the other starts meanwhile even on a loaded machine, where
    // starting a sandbox alone can take seconds.
    const submitted = await submitTwoParts('hw5', 1, 6);
    const pool = world.pool({ capacity: { cpus: 2, memoryMiB: 8192 }, slots: 2 });
    pool.start();
    await pool.idle();
    const submission = await world.submission(submitted.id);
    const jobs = [jobOf(submission, 'a'), jobOf(submission, 'b')];
    expect(jobs.map((j) => part(submission, j.partId).result?.status)).toEqual(['graded', 'graded']);
    // Both were running before either was done.
    expect(Math.max(...jobs.map((j) => time(j, 'running')))).toBeLessThan(Math.min(...jobs.map((j) => time(j, 'done'))));
  });

  it('prepares the head of the queue while every slot is busy, and gives it back unstarted when stopped with drain', async () => {
    const submitted = await submitTwoParts('hw5b', 1, 1);
    const pool = world.pool({ capacity: { cpus: 1, memoryMiB: 8192 }, slots: 1 });
    pool.start();
    const phases = async (): Promise<string[]> => (await world.submission(submitted.id)).parts.map((p) => p.job?.phase ?? '').sort();
    await waitFor(async () => (await phases()).join() === 'preparing,running');
    await pool.stop({ drain: true });
    const submission = await world.submission(submitted.id);
    const [ran, ahead] = [jobOf(submission, 'a'), jobOf(submission, 'b')].sort((x, y) => (x.phases.running === undefined ? 1 : 0) - (y.phases.running === undefined ? 1 : 0));
    expect(part(submission, ran!.partId).result?.status).toBe('graded');
    expect(part(submission, ahead!.partId).result).toBeNull();
    expect(ahead!.phases.running).toBeUndefined();
    expect(ahead!.lastError).toBeNull();
    expect(await world.queue.size()).toEqual({ waiting: 1, leased: 0 });

    const second = world.pool();
    second.start();
    await second.idle();
    expect(part(await world.submission(submitted.id), ahead!.partId).result?.status).toBe('graded');
  });

  it('lets no later job overtake a bigger one waiting for room (head of the queue first)', async () => {
    await world.assignment('hw5c', [{ id: 'small', image: 'run-submission', cpus: 1 }]);
    await world.assignment('hw5d', [{ id: 'big', image: 'run-submission', cpus: 2 }]);
    await world.assignment('hw5e', [{ id: 'later', image: 'run-submission', cpus: 1 }]);
    const first = await world.submit('hw5c', { 'main.sh': 'sleep 1\n' });
    const big = await world.submit('hw5d', { 'main.sh': 'true\n' });
    const later = await world.submit('hw5e', { 'main.sh': 'true\n' });
    const pool = world.pool({ capacity: { cpus: 2, memoryMiB: 8192 }, slots: 2 });
    pool.start();
    await pool.idle();
    const [a, b, c] = await Promise.all([first, big, later].map(async (s) => (await world.submission(s.id)).parts[0]!));
    expect([a, b, c].map((p) => p?.result?.status)).toEqual(['graded', 'graded', 'graded']);
    // The 2-cpu grader waited for the first to finish, and the later 1-cpu one for the 2-cpu one,
    // although it would have fitted beside the first.
    expect(time(b!.job!, 'running')).toBeGreaterThanOrEqual(time(a!.job!, 'reporting'));
    expect(time(c!.job!, 'running')).toBeGreaterThanOrEqual(time(b!.job!, 'reporting'));
  });

  it('gives a job back when stopped without draining, and another pool finishes it', async () => {
    await world.assignment('hw6', [{ id: 'p1', image: 'run-submission', timeoutSeconds: 3 }]);
    const submitted = await world.submit('hw6', { 'main.sh': 'sleep 60\n' });
    const jobId = jobOf(await world.submission(submitted.id), 'p1').id;
    const first = world.pool();
    first.start();
    await waitFor(async () => (await world.job(jobId)).phase === 'running');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.stop({ drain: false });
    expect(first.running).toBe(0);
    expect(await world.queue.size()).toEqual({ waiting: 1, leased: 0 });
    expect((await world.submission(submitted.id)).parts[0]?.result).toBeNull();
    expect((await world.job(jobId)).lastError).toBeNull();
    expect(await world.intakeLeftovers()).toEqual([]);

    const second = world.pool();
    second.start();
    await second.idle();
    expect(part(await world.submission(submitted.id), 'p1').result?.status).toBe('timeout');
    expect((await world.job(jobId)).lastError).toBeNull();
  });

  it('lets running jobs finish when stopped with drain', async () => {
    await world.assignment('hw7', [{ id: 'p1', image: 'run-submission' }]);
    const submitted = await world.submit('hw7', { 'main.sh': 'sleep 1\n' });
    const jobId = jobOf(await world.submission(submitted.id), 'p1').id;
    const pool = world.pool();
    pool.start();
    await waitFor(async () => (await world.job(jobId)).phase === 'running');
    await pool.stop({ drain: true });
    expect(part(await world.submission(submitted.id), 'p1').result?.status).toBe('graded');
    expect(await world.queue.size()).toEqual({ waiting: 0, leased: 0 });
  });

  /** With a limit of one submission, the student's only one (failed by gradebox) leaves them free to submit again. */
  const expectUncounted = async (assignmentId: string): Promise<void> => {
    await world.platform.applyCourseFile(world.admin, {
      course: { id: 'cs101', title: 'CS 101' },
      assignments: [{ id: assignmentId, title: `Assignment ${assignmentId}`, maxSubmissions: 1, parts: [{ id: 'p1', points: 10 }] }],
    });
    await expect(world.platform.assertCanSubmit(world.student, 'cs101', assignmentId)).resolves.toBeUndefined();
  };

  it('retries a system error with a backoff and then grades', async () => {
    await world.assignment('hw8', [{ id: 'p1', image: 'echo-busybox' }]);
    const submitted = await world.submit('hw8', { 'a.txt': 'a' });
    const sandbox = flaky(1);
    const pool = world.pool({ sandbox });
    pool.start();
    await pool.idle();
    expect(sandbox.runs).toBe(2);
    const submission = await world.submission(submitted.id);
    expect(part(submission, 'p1').result?.status).toBe('graded');
    expect(jobOf(submission, 'p1')).toMatchObject({ attempts: 2, lastError: expect.stringContaining('SandboxError: runc failed to start the container (run 1)') as unknown });
  });

  it('gives up after maxAttempts system errors with a grader-error result saying why', async () => {
    await world.assignment('hw9', [{ id: 'p1', image: 'echo-busybox' }]);
    const submitted = await world.submit('hw9', { 'a.txt': 'a' });
    const sandbox = flaky(Infinity);
    const pool = world.pool({ sandbox, maxAttempts: 3 });
    pool.start();
    await pool.idle();
    expect(sandbox.runs).toBe(3);
    const submission = await world.submission(submitted.id);
    const result = part(submission, 'p1').result;
    expect(result).toMatchObject({ status: 'grader-error', score: null });
    expect(result?.feedback.text).toMatch(/not in your work/);
    expect(result?.full?.errors).toEqual([
      'gradebox could not run the grader after 3 attempts; the last error: SandboxError: runc failed to start the container (run 3) (check the host)',
    ]);
    expect(jobOf(submission, 'p1')).toMatchObject({ phase: 'done', attempts: 3 });
    expect(await world.queue.size()).toEqual({ waiting: 0, leased: 0 });
    await expectUncounted('hw9');
  });

  it('stores a grader-error result at once when the grader image is missing', async () => {
    await world.assignment('hw10', [{ id: 'p1', image: '', imageId: `sha256:${'e'.repeat(64)}` }]);
    const submitted = await world.submit('hw10', { 'a.txt': 'a' });
    const pool = world.pool();
    pool.start();
    await pool.idle();
    const submission = await world.submission(submitted.id);
    expect(part(submission, 'p1').result?.full?.errors).toEqual([`the grader image sha256:${'e'.repeat(64)} is not in this server's image store; upload the grader again`]);
    // gradebox lost the image, not the student's fault: noted as a system error, so the
    // submission does not count against a submission limit.
    expect(jobOf(submission, 'p1')).toMatchObject({ attempts: 1, lastError: `the grader image sha256:${'e'.repeat(64)} is not in this server's image store; upload the grader again` });
    await expectUncounted('hw10');
  });

  it('gives up on a job claimed more than maxClaims times, with a grader-error that does not count against the limit', async () => {
    await world.assignment('hw12', [{ id: 'p1', image: 'echo-busybox' }]);
    const submitted = await world.submit('hw12', { 'a.txt': 'a' });
    const sandbox = flaky(0);
    // Workers that died on it (maxAttempts 1 + 10 claims), as the queue sees them: claimed and never finished.
    const capacity = { cpus: 2, memoryMiB: 8192 };
    const jobId = jobOf(await world.submission(submitted.id), 'p1').id;
    for (let claim = 0; claim < 11; claim++) {
      const claimed = await world.queue.claim({ workerId: `dead-${claim}`, free: capacity, total: capacity, leaseMs: 60_000 });
      expect(claimed?.jobId).toBe(jobId);
      await world.queue.retry(claimed!.jobId, `dead-${claim}`, 0, 'the worker died');
    }
    const pool = world.pool({ sandbox, maxAttempts: 1 });
    pool.start();
    await pool.idle();
    expect(sandbox.runs).toBe(0);
    const submission = await world.submission(submitted.id);
    expect(part(submission, 'p1').result).toMatchObject({ status: 'grader-error', full: { errors: [expect.stringMatching(/^gradebox gave up after the job was claimed 11 times/)] } });
    expect(jobOf(submission, 'p1').lastError).toMatch(/^gradebox gave up/);
    await expectUncounted('hw12');
  });

  it('abandons a run whose lease is lost, saving nothing, and the next claim finishes it', async () => {
    await world.assignment('hw11', [{ id: 'p1', image: 'run-submission' }]);
    const submitted = await world.submit('hw11', { 'main.sh': 'sleep 5\n' });
    let lostOnce = false;
    const real = world.queue;
    const sandbox = flaky(0);
    const queue: JobQueue = {
      enqueue: (tx, jobs) => real.enqueue(tx, jobs),
      claim: (request) => real.claim(request),
      // The first lease is reported gone at its first renewal once the grader runs (preparing the
      // image may take longer than a renewal period on a slow machine), as if it had expired and
      // been taken.
      heartbeat: async (jobId, workerId, leaseMs) => {
        if (!lostOnce && sandbox.runs === 1) {
          lostOnce = true;
          return false;
        }
        return real.heartbeat(jobId, workerId, leaseMs);
      },
      complete: (jobId, workerId) => real.complete(jobId, workerId),
      retry: (jobId, workerId, delayMs, error) => real.retry(jobId, workerId, delayMs, error),
      cancel: (tx, jobIds) => real.cancel(tx, jobIds),
      releaseAll: () => real.releaseAll(),
      releaseExpired: (now) => real.releaseExpired(now),
      size: () => real.size(),
      onEnqueued: (listener) => real.onEnqueued(listener),
    };
    const pool = world.pool({ queue, sandbox, leaseMs: 900 });
    pool.start();
    await pool.idle();
    expect(lostOnce).toBe(true);
    expect(sandbox.runs).toBe(2);
    const submission = await world.submission(submitted.id);
    expect(part(submission, 'p1').result?.status).toBe('graded');
    expect(part(submission, 'p1').result?.full?.run.wallMs).toBeGreaterThan(4000);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
