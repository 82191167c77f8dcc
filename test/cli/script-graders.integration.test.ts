/**
 * Codio-style `script` graders through the real CLI over dist/ (build first), on both backends:
 * `grade local` as Codio's "Test Autograde Script" dialog (stdout, stderr and the grade, human and
 * --json, with --script-arg and --autograde-env), and the service: `upload --script`, publish,
 * submit --wait, the part's points from the reported grade or partial points.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import type { Submission } from '../../src/platform/model.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const SUBMISSIONS = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'codio');
const SLOW = 600_000;
const COURSE = `
course:
  id: codio-style
  title: Codio-style grading scripts
assignments:
  - id: unit1
    title: Unit 1
    parts:
      - id: answer
        points: 10
      - id: bonus
        points: 10
`;

const daemon = await testDocker();
const backends = [
  ...(process.getuid?.() === 0 ? ['oci'] : []),
  ...('docker' in daemon ? ['docker'] : []),
];
if (!('docker' in daemon)) describe.skip(`script graders on the docker backend: ${daemon.reason}`, () => it('runs', () => undefined));

let work: string;
beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-script-graders-'));
  await writeFile(join(work, 'course.yaml'), COURSE);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe.each(backends)('script graders on %s', (backend) => {
  let env: NodeJS.ProcessEnv;
  const gradebox = (args: string[]): Promise<CliResult> => runCli(args, { env, timeoutMs: SLOW - 30_000 });
  const local = (args: string[]): Promise<CliResult> => gradebox(['grade', 'local', testImage('codio-scripts'), ...args, '--backend', backend]);

  beforeAll(async () => {
    const dir = join(work, backend);
    await mkdir(dir);
    env = cliEnv({ XDG_CONFIG_HOME: join(dir, 'config'), GRADEBOX_HOME: join(dir, 'cli-home'), NO_COLOR: '1' });
  });

  describe('grade local, as Codio\'s "Test Autograde Script"', () => {
    it("runs Codio's example with the deadline argument and a simulated completion date; shows stdout and the grade", { timeout: SLOW }, async () => {
      const late = JSON.stringify({ completedDate: '2016-11-26T10:00:00.000Z' });
      const cli = await local([join(SUBMISSIONS, 'right'), '--script', '.guides/secure/grade.py', '--script-arg', '2016-11-24T14:30', '--autograde-env', late]);
      expect(cli.code, cli.stdout + cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/^graded {2}score 80%/);
      expect(cli.stdout).toContain('grade 100, completed 2016-11-26T10:00:00, 1 days late');
      expect(cli.stdout).toContain('script protocol');
    });

    it('--json gives the GradeResult; --autograde-env reads a file too', { timeout: SLOW }, async () => {
      const file = join(work, `${backend}-env.json`);
      await writeFile(file, JSON.stringify({ completedDate: '2016-11-24T10:00:00.000Z' }));
      const cli = await local([join(SUBMISSIONS, 'wrong'), '--script', '.guides/secure/grade.py', '--script-arg', '2016-11-24T14:30', '--autograde-env', file, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      const result = JSON.parse(cli.stdout) as GradeResult;
      expect(result).toMatchObject({ protocol: 'script', status: 'graded', score: 0.4, limits: { timeoutSeconds: 180 } });
    });

    it('a script that reports no grade: exit 1, the error and the script\'s output', { timeout: SLOW }, async () => {
      const cli = await local([join(SUBMISSIONS, 'right'), '--script', '/grader/report.sh', '--script-arg', 'none']);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain('no grade was reported');
      expect(cli.stdout).toContain('done: none');
    });

    it.each([
      [['--protocol', 'script'], '--protocol script needs --script PATH'],
      [['--protocol', 'coursera', '--script', 'x.py'], '--script, --script-arg and --autograde-env are for script graders, not coursera ones'],
      [['--script', 'x.py', '--autograde-env', '[1]'], '--autograde-env takes a JSON object'],
      [['--script', 'x.py', '--autograde-env', '/no/such/file.json'], 'cannot read /no/such/file.json'],
    ])('usage errors: %j', { timeout: SLOW }, async (args, message) => {
      const cli = await local([join(SUBMISSIONS, 'right'), ...args]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain(message);
    });

    it('inspect --script: a shell with the endpoint and the environment a grading gets', { timeout: SLOW }, async () => {
      // The shell reads its commands from stdin, a pipe.
      const commands = 'cat answer.txt; /grader/curl.sh; echo "$CODIO_AUTOGRADE_ENV"';
      const cli = await runCli(
        ['inspect', testImage('codio-scripts'), '-d', join(SUBMISSIONS, 'right'), '--script', '/grader/curl.sh', '--backend', backend],
        { env, timeoutMs: SLOW - 30_000, command: ['sh', '-c', `echo '${commands}' | "$@"`, 'sh', process.execPath, GRADEBOX_BIN] },
      );
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain('42\nreporting 100\n{"code":1}');
      expect(cli.stdout).toContain('"completedDate"');
    });
  });

  describe('the service', () => {
    let server: ServedCli | undefined;
    let serviceEnv: NodeJS.ProcessEnv;
    const remote = (args: string[]): Promise<CliResult> => runCli(args, { env: serviceEnv, timeoutMs: SLOW - 30_000 });

    beforeAll(async () => {
      const dir = join(work, backend, 'service');
      await mkdir(dir, { recursive: true });
      server = await startServeCli(['--data', join(dir, 'server'), '--port', '0', '--workers', '1', '--backend', backend], {
        env: cliEnv({ GRADEBOX_HOME: join(dir, 'server-home'), NO_COLOR: '1' }),
        timeoutMs: 60 * 60_000,
      });
      serviceEnv = { ...env, GRADEBOX_SERVER: server.url, GRADEBOX_TOKEN: server.adminToken ?? '' };
      const applied = await remote(['apply', join(work, 'course.yaml')]);
      expect(applied.code, applied.stderr).toBe(0);
    }, SLOW);

    afterAll(async () => {
      await server?.stop();
    });

    it('upload --script: a grade from send_grade, partial points from curl, each part\'s points', { timeout: SLOW }, async () => {
      const image = testImage('codio-scripts');
      const answer = await remote(['upload', image, 'codio-style', 'unit1', 'answer', '--script', '.guides/secure/grade.py', '--script-arg', '2099-01-01T00:00', '--json']);
      expect(answer.code, answer.stderr).toBe(0);
      const [draft] = (JSON.parse(answer.stdout) as { drafts: { protocol: string; script: unknown; timeoutSeconds: number }[] }).drafts;
      expect(draft).toMatchObject({ protocol: 'script', script: { path: '.guides/secure/grade.py', args: ['2099-01-01T00:00'] }, timeoutSeconds: 180 });
      const bonus = await remote(['upload', image, 'codio-style', 'unit1', 'bonus', '--protocol', 'script', '--script', '/grader/partial.sh', '--script-arg', '7']);
      expect(bonus.code, bonus.stderr).toBe(0);
      expect((await remote(['publish', 'codio-style', 'unit1'])).code).toBe(0);

      const cli = await remote(['submit', 'codio-style', 'unit1', join(SUBMISSIONS, 'right'), '--wait', '--timeout', '500', '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      const submission = JSON.parse(cli.stdout) as Submission;
      const parts = Object.fromEntries(submission.parts.map((part) => [part.partId, part.result]));
      expect(parts.answer).toMatchObject({ status: 'graded', score: 1, points: 10 });
      expect(parts.bonus).toMatchObject({ status: 'graded', score: 0.7, points: 7 });
    });

    it('upload refuses --protocol script without --script (usage error, nothing sent)', { timeout: SLOW }, async () => {
      const cli = await remote(['upload', testImage('codio-scripts'), 'codio-style', 'unit1', 'answer', '--protocol', 'script']);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain('--protocol script needs --script PATH');
    });
  });
});
