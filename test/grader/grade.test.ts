import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grade, type GradeOptions, type GradeRequest } from '../../src/grader/grade.ts';
import { FEEDBACK_FILE } from '../../src/grader/protocols/coursera.ts';
import { RESULTS_FILE } from '../../src/grader/protocols/gradescope.ts';
import { ImageError } from '../../src/image/image.ts';
import { DEFAULT_LIMITS } from '../../src/sandbox/limits.ts';
import { SandboxError, type RunOutcome, type RunSpec, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { captured, file, imageConfig, outcome } from './helpers.ts';

/** Records the specs it is given and answers with a scripted outcome. */
class FakeSandbox implements Sandbox {
  readonly name = 'fake';
  readonly specs: RunSpec[] = [];
  answer: (spec: RunSpec, signal?: AbortSignal) => Promise<RunOutcome> = async () => outcome();
  async run(spec: RunSpec, signal?: AbortSignal): Promise<RunOutcome> {
    this.specs.push(spec);
    return this.answer(spec, signal);
  }
  async cleanupStale(): Promise<void> {}
}

let submissionDir: string;
let sandbox: FakeSandbox;
beforeEach(async () => {
  submissionDir = await mkdtemp(join(tmpdir(), 'gradebox-grade-'));
  await writeFile(join(submissionDir, 'answer.txt'), '55\n385\n');
  sandbox = new FakeSandbox();
});
afterEach(async () => {
  await rm(submissionDir, { recursive: true, force: true });
});

function request(overrides: Partial<GradeOptions> & { submissionDir?: string } = {}): GradeRequest {
  return {
    image: { id: 'sha256:abc', config: imageConfig({ entrypoint: ['/bin/sh', '/grader/grade.sh'], cmd: ['default'], workingDir: '/grader' }) },
    rootfs: '/store/rootfs/abc',
    submissionDir,
    imageExists: async () => false,
    ...overrides,
  };
}

describe('grade', () => {
  it('plans a coursera run with the defaults and grades its report', async () => {
    sandbox.answer = async () => outcome({
      exitCode: 0,
      stdout: captured('log\n'),
      usage: { wallMs: 50, cpuMs: 20, peakMemoryBytes: 1024 },
      outputs: { [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": "All right."}') },
    });
    const result = await grade(request({ partId: 'p1', args: ['p1'] }), { sandbox });

    expect(sandbox.specs).toHaveLength(1);
    const spec = sandbox.specs[0]!;
    expect(spec).toMatchObject({
      image: { id: 'sha256:abc', rootfs: '/store/rootfs/abc' },
      argv: ['/bin/sh', '/grader/grade.sh', 'p1'],
      cwd: '/grader',
      user: { uid: 1000, gid: 1000 },
      limits: DEFAULT_LIMITS,
      network: false,
      keep: false,
      outputFileCapBytes: 16 * 1024 * 1024,
    });
    expect(spec.env).toMatchObject({ partId: 'p1', userId: 'local', filename: 'answer.txt' });
    expect(spec.volumes[1]).toMatchObject({ target: '/shared/submission', copyFrom: submissionDir });

    expect(result).toEqual({
      status: 'graded',
      score: 1,
      points: null,
      feedback: { text: 'All right.', format: 'text' },
      tests: [],
      errors: [],
      warnings: [],
      visibility: 'visible',
      output: { stdout: captured('log\n'), stderr: captured(''), visibleToStudents: false },
      run: { wallMs: 50, cpuMs: 20, peakMemoryBytes: 1024, reason: 'exited', exitCode: 0, signal: null, user: { uid: 1000, gid: 1000 } },
      protocol: 'coursera',
      image: { id: 'sha256:abc' },
      limits: DEFAULT_LIMITS,
    });
  });

  it('passes the caller’s limits, user, network, keep and cap, and reports keptAt', async () => {
    sandbox.answer = async () => outcome({ keptAt: '/var/tmp/run-1', outputs: { [FEEDBACK_FILE]: file('{"isCorrect": false, "feedback": ""}') } });
    const result = await grade(request({
      limits: { timeoutSeconds: 5, memoryMiB: 64 }, user: { uid: 2000, gid: 3000 }, network: true, keep: true, outputFileCapBytes: 4096,
      filename: 'chosen.txt', userId: 'u9', env: { X: '1' },
    }), { sandbox });
    const spec = sandbox.specs[0]!;
    expect(spec).toMatchObject({
      limits: { ...DEFAULT_LIMITS, timeoutSeconds: 5, memoryMiB: 64 }, user: { uid: 2000, gid: 3000 }, network: true, keep: true, outputFileCapBytes: 4096,
    });
    expect(spec.env).toMatchObject({ filename: 'chosen.txt', userId: 'u9', X: '1' });
    expect(result).toMatchObject({ status: 'graded', score: 0, keptAt: '/var/tmp/run-1', limits: { timeoutSeconds: 5 } });
  });

  it('leaves filename unset when the submission has several top-level files', async () => {
    await writeFile(join(submissionDir, 'other.txt'), '');
    await grade(request(), { sandbox });
    expect(sandbox.specs[0]!.env).not.toHaveProperty('filename');
  });

  it('detects gradescope from the image and normalizes its results', async () => {
    const looked: string[] = [];
    sandbox.answer = async () => outcome({
      outputs: {
        [RESULTS_FILE]: file(JSON.stringify({
          stdout_visibility: 'visible',
          tests: [{ name: 'a', score: 1, max_score: 2 }, { name: 'b', score: 2, max_score: 2, visibility: 'hidden' }],
          leaderboard: [{ name: 'x', value: 1 }],
        })),
      },
    });
    const result = await grade(request({
      imageExists: async (path) => {
        looked.push(path);
        return path === '/autograder/run_autograder';
      },
      assignment: { title: 'Sums', totalPoints: 4 },
    }), { sandbox });
    expect(looked).toEqual(['/autograder/run_autograder']);
    expect(sandbox.specs[0]!.argv).toEqual(['/autograder/run_autograder']);
    expect(result).toMatchObject({
      protocol: 'gradescope', status: 'graded', score: 0.75, points: { earned: 3, possible: 4 },
      output: { visibleToStudents: true, visibility: 'visible' }, leaderboard: [{ name: 'x', value: 1 }],
    });
    expect(result.tests.map((t) => t.visibility)).toEqual(['visible', 'hidden']);
  });

  it('uses the requested protocol without looking into the image', async () => {
    const result = await grade(request({ protocol: 'gradescope', imageExists: () => Promise.reject(new Error('should not look')) }), { sandbox });
    expect(result.protocol).toBe('gradescope');
    expect(result.status).toBe('grader-error');
    expect(result.errors).toEqual([`${RESULTS_FILE} was not written`]);
  });

  it('looks into the rootfs for detection by default', async () => {
    const result = await grade(request({ imageExists: undefined, rootfs: join(submissionDir, 'no-such-root') }), { sandbox });
    expect(result.protocol).toBe('coursera');
  });

  it.each([
    ['a missing folder', (dir: string) => join(dir, 'missing'), 'the submission folder does not exist'],
    ['a file', (dir: string) => join(dir, 'answer.txt'), 'the submission is a file, not a folder'],
  ])('gives not-gradable without a run for %s', async (_label, pick, problem) => {
    const dir = pick(submissionDir);
    const result = await grade(request({ submissionDir: dir }), { sandbox });
    expect(sandbox.specs).toHaveLength(0);
    expect(result).toEqual({
      status: 'not-gradable',
      score: null,
      points: null,
      feedback: { text: `Your submission could not be graded: ${problem}. No attempt was counted.`, format: 'text' },
      tests: [],
      errors: [`submission ${dir}: ${problem}`],
      warnings: [],
      output: { stdout: captured(''), stderr: captured(''), visibleToStudents: false },
      run: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0, reason: 'exited', exitCode: null, signal: null },
      protocol: 'coursera',
      image: { id: 'sha256:abc' },
      limits: DEFAULT_LIMITS,
    });
  });

  it('gives not-gradable past the submission caps', async () => {
    const result = await grade(request({ submissionLimits: { maxBytes: 4 } }), { sandbox });
    expect(result).toMatchObject({ status: 'not-gradable', errors: [`submission ${submissionDir}: its files add up to more than 4 bytes`] });
    expect(sandbox.specs).toHaveLength(0);
  });

  it('runs listed files: the sandbox copies them, Coursera\'s filename is the only top-level file', async () => {
    const submissionFiles = { files: [{ path: 'answer.txt', source: '/blobs/sha256/aa', size: 8 }, { path: 'lib/x.py', source: '/blobs/sha256/bb', size: 2 }] };
    await grade({ ...request(), submissionDir: undefined, submissionFiles }, { sandbox });
    expect(sandbox.specs[0]?.env).toMatchObject({ filename: 'answer.txt' });
    expect(sandbox.specs[0]?.volumes[1]).toMatchObject({ target: '/shared/submission', copyFrom: submissionFiles });
  });

  it('gives not-gradable without a run for listed files past the caps', async () => {
    const submissionFiles = { files: [{ path: 'big.bin', source: '/blobs/sha256/aa', size: 5 }] };
    const result = await grade({ ...request({ submissionLimits: { maxBytes: 4 } }), submissionDir: undefined, submissionFiles }, { sandbox });
    expect(result).toMatchObject({ status: 'not-gradable', errors: ['submission (1 listed files): its files add up to more than 4 bytes'] });
    expect(sandbox.specs).toHaveLength(0);
  });

  it("sets HOME as Docker does: the run user's home in the image's /etc/passwd, else /", async () => {
    const rootfs = join(submissionDir, 'root');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\ngrader:x:1000:1000::/home/grader:/bin/sh\n');
    await grade(request({ rootfs }), { sandbox });
    await grade(request({ rootfs, user: { uid: 0, gid: 0 } }), { sandbox });
    await grade(request({ rootfs, user: { uid: 4242, gid: 4242 } }), { sandbox });
    await grade(request(), { sandbox });
    expect(sandbox.specs.map((spec) => spec.env.HOME)).toEqual(['/home/grader', '/root', '/', '/']);
  });

  it('keeps a HOME the image or the caller sets', async () => {
    const image = { id: 'sha256:abc', config: imageConfig({ entrypoint: ['/g'], env: ['HOME=/opt/grader'] }) };
    await grade(request({ image }), { sandbox });
    await grade(request({ image, env: { HOME: '/tmp' } }), { sandbox });
    expect(sandbox.specs.map((spec) => spec.env.HOME)).toEqual(['/opt/grader', '/tmp']);
  });

  it('caps the normalized result: long outputs are cut with a warning, and it stays serializable', async () => {
    const long = 'x'.repeat(200 * 1024);
    sandbox.answer = async () => outcome({
      outputs: { [RESULTS_FILE]: file(JSON.stringify({ tests: [{ name: 'n'.repeat(1000), score: 1, max_score: 1, output: long }] })) },
    });
    const result = await grade(request({ protocol: 'gradescope' }), { sandbox });
    expect(result).toMatchObject({ status: 'graded', score: 1 });
    expect(result.tests[0]!.name).toHaveLength(300);
    expect(Buffer.byteLength(result.tests[0]!.output)).toBeLessThan(65 * 1024);
    expect(result.warnings).toEqual([
      '1 test name longer than 300 characters was cut',
      '1 test output over 64 KiB was cut',
    ]);
  });

  it('refuses a result nested a million levels deep with a message, and the result still serializes', async () => {
    const deep = `{"score": 1, "max_score": 1, "extra_data": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    sandbox.answer = async () => outcome({ outputs: { [RESULTS_FILE]: file(deep) } });
    const result = await grade(request({ protocol: 'gradescope' }), { sandbox });
    expect(result).toMatchObject({
      status: 'grader-error',
      errors: [`${RESULTS_FILE} nests arrays and objects more than 64 levels deep (at $.extra_data[0][0][0][0][0][0][0]…); gradebox reads at most 64 levels`],
    });
    expect(() => JSON.stringify(result)).not.toThrow();
  });

  it('lets sandbox errors through', async () => {
    sandbox.answer = () => Promise.reject(new SandboxError('runc not found', 'apt-get install runc'));
    await expect(grade(request(), { sandbox })).rejects.toThrow(SandboxError);
  });

  it('throws for impossible limits and for an image with nothing to run, before any run', async () => {
    await expect(grade(request({ limits: { memoryMiB: 0 } }), { sandbox })).rejects.toThrow(RangeError);
    await expect(grade(request({ image: { id: 'sha256:e', config: imageConfig() } }), { sandbox })).rejects.toThrow(ImageError);
    expect(sandbox.specs).toHaveLength(0);
  });

  it('throws the abort reason instead of making a result', async () => {
    const early = new AbortController();
    early.abort(new Error('shutting down'));
    await expect(grade(request(), { sandbox }, early.signal)).rejects.toThrow('shutting down');
    expect(sandbox.specs).toHaveLength(0);

    const during = new AbortController();
    sandbox.answer = async (_spec, signal) => {
      expect(signal).toBe(during.signal);
      during.abort(new Error('drain'));
      return outcome({ reason: 'killed', exitCode: null, signal: 'SIGKILL' });
    };
    await expect(grade(request(), { sandbox }, during.signal)).rejects.toThrow('drain');
  });
});
