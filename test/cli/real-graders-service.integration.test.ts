/**
 * The graders of real-graders.test.ts through the service, on both backends: a real `gradebox
 * serve --backend B` (embedded SQLite, one worker) and the real CLI against it (apply, upload,
 * publish, submit --wait), each a child process over dist/ (build first). The service must give the
 * score Gradescope or Coursera would give, exactly as `grade local` does; in the service a
 * Gradescope grader also learns the part's points (`assignment.total_points`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartResult, Submission } from '../../src/platform/model.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const SUBMISSIONS = join(REPO_ROOT, 'test', 'fixtures', 'submissions');
const RUNAS_SECRET = 'runas-secret-4f9c2e71';
/** Uploading a JDK image and the first gradings of a fresh server take a while. */
const SLOW = 600_000;

/** One assignment per grader, one part each; part points as the graders count them (Coursera's part id is the grader's). */
const COURSE = `
course:
  id: real-graders
  title: Graders written elsewhere
assignments:
  - id: stats
    title: "gradescope-utils: stats.py"
    parts:
      - id: stats
        points: 10
  - id: textutil
    title: "JUnit: TextUtil.java"
    parts:
      - id: textutil
        points: 10
  - id: sums
    title: "Run as the student: main.py"
    parts:
      - id: sums
        points: 4
  - id: vectors
    title: "Coursera R: vectors.R"
    parts:
      - id: Rv3aX
        points: 4
`;
/** Assignment → [grader fixture, part]. */
const GRADERS: Record<string, [string, string]> = {
  stats: ['gradescope-utils-py', 'stats'],
  textutil: ['gradescope-junit', 'textutil'],
  sums: ['gradescope-runas-student', 'sums'],
  vectors: ['coursera-r', 'Rv3aX'],
};

const daemon = await testDocker();
const backends = [
  ...(process.getuid?.() === 0 ? ['oci'] : []),
  ...('docker' in daemon ? ['docker'] : []),
];
if (!('docker' in daemon)) describe.skip(`the service on the docker backend: ${daemon.reason}`, () => it('runs', () => undefined));

let work: string;
beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-real-graders-service-'));
  await writeFile(join(work, 'course.yaml'), COURSE);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe.each(backends)('the service on %s', (backend) => {
  let server: ServedCli | undefined;
  let env: NodeJS.ProcessEnv;

  const gradebox = (args: string[]): Promise<CliResult> => runCli(args, { env, timeoutMs: SLOW - 30_000 });

  /** Submits one fixture submission to its assignment and waits: the part's stored result (staff view). */
  async function submit(assignment: string, name: string): Promise<PartResult> {
    const [grader] = GRADERS[assignment]!;
    const cli = await gradebox(['submit', 'real-graders', assignment, join(SUBMISSIONS, grader, name), '--wait', '--timeout', '500', '--json']);
    // Exit 1 when the part is not graded; the JSON says why (the staff view has the whole result).
    const submission = cli.stdout.trim() ? (JSON.parse(cli.stdout) as Submission) : undefined;
    const result = submission?.parts[0]?.result;
    const full = result?.full;
    const why = full ? `${full.status}: ${full.errors.join('; ')}\nstderr: ${full.output.stderr.text.slice(-1500)}` : cli.stderr;
    expect(result?.status, why).toBe('graded');
    expect(cli.code, cli.stderr).toBe(0);
    return result!;
  }

  beforeAll(async () => {
    const dir = join(work, backend);
    await mkdir(dir);
    server = await startServeCli(['--data', join(dir, 'server'), '--port', '0', '--workers', '1', '--backend', backend], {
      env: cliEnv({ GRADEBOX_HOME: join(dir, 'server-home'), NO_COLOR: '1' }),
      timeoutMs: 60 * 60_000,
    });
    env = cliEnv({
      XDG_CONFIG_HOME: join(dir, 'config'), GRADEBOX_HOME: join(dir, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: server.url, GRADEBOX_TOKEN: server.adminToken ?? '',
    });
    const applied = await gradebox(['apply', join(work, 'course.yaml')]);
    expect(applied.code, applied.stderr).toBe(0);
    for (const [assignment, [grader, part]] of Object.entries(GRADERS)) {
      const upload = await gradebox(['upload', testImage(grader), 'real-graders', assignment, part]);
      expect(upload.code, upload.stderr).toBe(0);
      const publish = await gradebox(['publish', 'real-graders', assignment]);
      expect(publish.code, publish.stderr).toBe(0);
    }
  }, SLOW);

  afterAll(async () => {
    await server?.stop();
  });

  it('gradescope-utils-py: 10 of 10 and 5 of 10, as Gradescope scores them', { timeout: SLOW }, async () => {
    expect(await submit('stats', 'good')).toMatchObject({ score: 1, points: 10 });
    const partial = await submit('stats', 'partial');
    expect(partial).toMatchObject({ score: 0.5, points: 5 });
    expect(partial.tests.find((t) => t.name === 'population variance')).toMatchObject({ visibility: 'after_published', score: 0 });
  });

  it('gradescope-junit: 10 of 10; a compile error is 0 of the part\'s 10 points', { timeout: SLOW }, async () => {
    expect(await submit('textutil', 'good')).toMatchObject({ score: 1, points: 10 });
    const broken = await submit('textutil', 'malformed');
    expect(broken).toMatchObject({ score: 0, points: 0, tests: [] });
    expect(broken.feedback.text).toMatch(/^TextUtil\.java did not compile:\n/);
  });

  it('gradescope-runas-student: 4 of 4; the hostile program gets the grader\'s 0 and learns nothing', { timeout: SLOW }, async () => {
    expect(await submit('sums', 'good')).toMatchObject({ score: 1, points: 4 });
    const hostile = await submit('sums', 'hostile');
    expect(hostile).toMatchObject({ score: 0, points: 0 });
    expect(hostile.feedback.text).toBe('0 of 4 cases right. Your program ran as an unprivileged user.');
    for (const test of hostile.tests) {
      expect(test.output).toContain('read /autograder/source/tests/cases.json: PermissionError Permission denied');
      expect(test.output).toContain('write /autograder/results/results.json: PermissionError Permission denied');
      expect(test.output).not.toContain('SUCCEEDED');
    }
    expect(JSON.stringify(hostile)).not.toContain(RUNAS_SECRET);
  });

  it('coursera-r: the part id is the grader\'s partId; 1 and 0.5', { timeout: SLOW }, async () => {
    expect(await submit('vectors', 'good')).toMatchObject({ score: 1, points: 4, feedback: { text: expect.stringMatching(/^4 of 4 tests passed\.\n/) as unknown } });
    expect(await submit('vectors', 'partial')).toMatchObject({ score: 0.5, points: 2 });
  });
});
