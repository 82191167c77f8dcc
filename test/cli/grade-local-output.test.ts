/**
 * Issue 10 §3: `grade local`'s human output tells the author the cause. The real command over
 * dist/ (build first) with fixture graders: needs-root (a root-owned build folder: "Permission
 * denied" in its first line of stderr, then 60 lines of compiler errors), needs-part-id (reads
 * `partId` from the environment, KeyError without it), echo-env (stdout) and a folder holding a
 * Dockerfile given as IMAGE. Hints go to stderr, so `--json` keeps stdout one GradeResult.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';

const GOOD_SUMS = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'sums', 'good');

let work: string;
let home: string;

function gradebox(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...env }) });
}

function grade(imageName: string, ...rest: string[]): Promise<CliResult> {
  return gradebox(['grade', 'local', testImage(imageName), GOOD_SUMS, ...rest]);
}

/** The lines of one section of the human output (`Grader stderr (…):` up to the blank line). */
function section(stdout: string, heading: string): string[] {
  const start = stdout.indexOf(`\n${heading}`);
  expect(start, `section ${heading}`).toBeGreaterThan(-1);
  const body = stdout.slice(stdout.indexOf('\n', start + 1) + 1);
  return body.slice(0, body.indexOf('\n\n') === -1 ? undefined : body.indexOf('\n\n')).split('\n');
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-grade-output-'));
  home = join(work, 'home');
  await mkdir(home);
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the logs: the first lines kept, not only the tail', () => {
  it('a long stderr shows its first 20 lines (the cause) and its last 20, and counts the rest', async () => {
    const result = await grade('needs-root');
    expect(result.code, result.stderr).toBe(0); // graded, score 0
    expect(result.stdout).toMatch(/^graded {2}score 0%$/m);
    const stderr = section(result.stdout, 'Grader stderr (debug log, not shown to students):');
    expect(stderr).toHaveLength(41);
    expect(stderr[0]).toBe("  mkdir: can't create directory '/grader/build': Permission denied");
    expect(stderr[1]).toBe("  main.c:1:5: error: expected ';' before '}' token");
    expect(stderr[19]).toMatch(/^ {2}main\.c:19:5:/);
    expect(stderr[20]).toBe('  … 21 lines omitted (full output: --json)');
    expect(stderr[21]).toMatch(/^ {2}main\.c:41:5:/);
    expect(stderr[40]).toMatch(/^ {2}main\.c:60:5:/);
    // The full capture is in --json.
    const json = JSON.parse((await grade('needs-root', '--json')).stdout) as GradeResult;
    expect(json.output.stderr.text.trimEnd().split('\n')).toHaveLength(61);
  });

  it("the author's warnings and the grader's stdout are shown", async () => {
    const root = await grade('needs-root');
    expect(section(root.stdout, 'Warnings (the grading went on; fix them in the grader):')).toEqual([
      '  - the grader exited with code 1, but its output was valid and was used',
    ]);
    expect(section(root.stdout, 'Grader stdout (debug log, not shown to students):')).toEqual(['  (empty)']);
    const logs = await grade('coursera-sh');
    expect(logs.code, logs.stderr).toBe(0);
    expect(section(logs.stdout, 'Grader stdout (debug log, not shown to students):')).toEqual([
      '  grading part none for user local (answer.txt); arguments: from-cmd',
      '  right answers: 2',
    ]);
    expect(logs.stdout).not.toContain('Warnings');
  });

  it('a Gradescope grader whose stdout students see says so', async () => {
    const result = await gradebox(['grade', 'local', testImage('gradescope-py'), join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'pyfuncs', 'good')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Grader stdout \(shown to students: stdout_visibility is visible\):\n {2}grading submission /m);
  });
});

describe('hints on stderr', () => {
  it('"Permission denied": which user the grader ran as, and --user root', async () => {
    const json = JSON.parse((await grade('needs-root', '--json')).stdout) as GradeResult;
    const who = json.run.user
      ? `uid ${json.run.user.uid} inside the sandbox${json.run.user.uid === 1000 ? ' (the default for coursera graders)' : ''}`
      : 'a user other than root inside the sandbox';
    const result = await grade('needs-root');
    expect(result.stderr).toBe(
      `hint: "Permission denied" in the grader's output: the grader ran as ${who}, and the image's files and folders owned by root ` +
        'are read-only to it. If the grader needs root, grade with --user root (grade local), and upload it with --user root so the server runs it the same way\n',
    );
    // --json: stdout stays one GradeResult, the hint is on stderr all the same.
    const jsonRun = await grade('needs-root', '--json');
    expect(jsonRun.stderr).toBe(result.stderr);
  });

  it('a Coursera grader that asks for its part id (KeyError: partId): --part-id', async () => {
    const result = await grade('needs-part-id');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("KeyError: 'partId'");
    expect(result.stderr.split('\n')).toEqual([
      'error: not graded (grader-error): /shared/feedback.json was not written, and stdout is empty (and 1 more)',
      'hint: the grader asks for a part id and got none. Coursera graders read the part id from the environment variable partId, ' +
        'which --part-id sets: grade with --part-id ID',
      '',
    ]);
  });

  it('the part id given as an argument, as the old SDK did: the hint names it', async () => {
    const result = await grade('needs-part-id', '--', 'sumsPart');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^hint: the grader asks for a part id and got none: "sumsPart" went to the grader's entrypoint as an argument \(as the old courseraprogramming SDK passed part ids\)\. .*: grade with --part-id sumsPart$/m,
    );
  });

  it('with --part-id the grader grades, and no hint', async () => {
    const result = await grade('needs-part-id', '--part-id', 'sumsPart');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('part sumsPart graded');
    expect(result.stderr).toBe('');
  });
});

describe('a folder with a Dockerfile given as IMAGE', () => {
  it('says it is a recipe and how to build and grade the image (exit 1); nothing is imported', async () => {
    const folderHome = join(work, 'dockerfile-home');
    await mkdir(folderHome);
    const context = join(work, 'Sums Grader');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), 'FROM busybox\nCOPY grade.sh /grader/grade.sh\nENTRYPOINT ["/bin/sh", "/grader/grade.sh"]\n');
    const result = await gradebox(['grade', 'local', context, GOOD_SUMS], { GRADEBOX_HOME: folderHome });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: ${context} is a folder with a Dockerfile, the recipe of an image, not an image\n` +
        `hint: build the image, then grade with it: docker build -t sums-grader '${context}' && gradebox grade local sums-grader ${GOOD_SUMS} ` +
        '(or save it with docker save -o sums-grader.tar sums-grader and give sums-grader.tar, which needs no Docker daemon to grade)\n',
    );
    expect(await readdir(folderHome)).toEqual([]);
  });

  it('a Containerfile gets -f; a folder without either keeps the OCI layout message', async () => {
    const context = join(work, 'podman');
    await mkdir(context);
    await writeFile(join(context, 'Containerfile'), 'FROM busybox\n');
    const podman = await gradebox(['grade', 'local', context, GOOD_SUMS]);
    expect(podman.code).toBe(1);
    expect(podman.stderr).toContain(`hint: build the image, then grade with it: docker build -t podman -f ${join(context, 'Containerfile')} ${context} && `);
    const empty = join(work, 'empty-folder');
    await mkdir(empty);
    const plain = await gradebox(['grade', 'local', empty, GOOD_SUMS]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`error: ${empty} is a directory without an oci-layout file, so not an OCI image layout\n`);
  });

  it('an OCI layout folder that also holds a Dockerfile is an image: it is graded', async () => {
    const layout = join(work, 'layout-with-dockerfile');
    await cp(testImage('busybox-oci-dir'), layout, { recursive: true });
    await writeFile(join(layout, 'Dockerfile'), 'FROM scratch\n');
    const result = await gradebox(['grade', 'local', layout, GOOD_SUMS]);
    // busybox's CMD is a bare `sh` that writes no feedback: graded, and found wanting.
    expect(result.stdout).toMatch(/^grader-error {2}score —$/m);
    expect(result.stderr).not.toContain('recipe');
  });
});
