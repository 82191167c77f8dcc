/**
 * `gradebox sanity` end to end: the real command (bin/gradebox.js over dist/, so build first) as a
 * child process, with the real sandbox, runc, Docker; no mocks. Exit codes, the --json document,
 * the human report, the default ./Dockerfile, and runc and crun hidden.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SanityReport } from '../../src/sanity/sanity.ts';
import { hidingPrograms } from '../support/hide-programs.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { environmentChecks } from '../../src/sanity/environment/environment-checks.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'dockerfiles');
const CLEAN = join(FIXTURES, 'coursera-clean.Dockerfile');
const MISTAKES = join(FIXTURES, 'coursera-mistakes.Dockerfile');
const ESC = '\u001b';
const asRoot = process.getuid?.() === 0 ? it : it.skip;

let work: string;
let home: string;

/** `gradebox args…` with this file's GRADEBOX_HOME and NO_COLOR=1, plus `env`; `cwd` via a shell `cd`. */
function gradebox(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; command?: string[] } = {}): Promise<CliResult> {
  const command = options.command ?? (options.cwd === undefined ? undefined
    : ['/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', options.cwd, process.execPath, GRADEBOX_BIN]);
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...options.env }), command });
}

/** stdout of a `--json` run: exactly one JSON document. */
function report(result: CliResult): SanityReport {
  expect(result.stdout.endsWith('}\n'), 'stdout ends with the document').toBe(true);
  return JSON.parse(result.stdout) as SanityReport;
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-sanity-cli-'));
  home = join(work, 'home');
  await mkdir(home);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('help and usage errors', () => {
  it('gradebox --help lists sanity; sanity --help lists its options and exit codes', async () => {
    expect((await gradebox(['--help'])).stdout).toMatch(/^\s+sanity \[options\]/m);
    const result = await gradebox(['sanity', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['-f, --file <path>', '--skip-environment', '--json']) expect(result.stdout).toContain(option);
    expect(result.stdout).toMatch(/Exit codes: 0 ok .*1 the Dockerfile has an error-level finding,\s+2 usage error .*3 an environment check failed/s);
  });

  it.each([
    ['-f naming no file', ['-f', '/nonexistent/Dockerfile'], /^error: Dockerfile \/nonexistent\/Dockerfile does not exist\n\(see --help\)\n$/],
    ['-f naming a directory', ['-f', FIXTURES], /^error: .*dockerfiles is a directory; -f takes the Dockerfile itself\n/],
    ['-f without a value', ['-f'], /option '-f, --file <path>' argument missing/],
    ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
  ])('%s: exit 2, one message, nothing on stdout', async (_name, args, message) => {
    const result = await gradebox(['sanity', '--skip-environment', ...args]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('Dockerfile lint (--skip-environment)', () => {
  it('a clean Dockerfile: exit 0, "no findings", ok', async () => {
    const result = await gradebox(['sanity', '--skip-environment', '-f', CLEAN]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`Dockerfile lint: ${CLEAN}\n  ✓ no findings\n\nsanity: Dockerfile 0 errors, 0 warnings, 0 info: ok\n`);
  });

  it('errors: exit 1; each finding as path:line, severity, rule, message, then the fix', async () => {
    const result = await gradebox(['sanity', '--skip-environment', '-f', MISTAKES]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/^Environment/m);
    expect(result.stdout).toContain(`  ${MISTAKES}:7   error   GB020  COPY destination "grader" is relative and no WORKDIR precedes it`);
    expect(result.stdout).toMatch(/\n {2}\s+fix: use an absolute destination: \/grader\n/);
    expect(result.stdout).toMatch(/^sanity: Dockerfile 2 errors, 6 warnings, 6 info: fix the errors$/m);
  });

  it('--json: one document { environment: null, dockerfile: { path, findings }, ok }', async () => {
    const result = await gradebox(['sanity', '--skip-environment', '-f', MISTAKES, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const json = report(result);
    expect(Object.keys(json)).toEqual(['environment', 'dockerfile', 'ok']);
    expect(json.environment).toBeNull();
    expect(json.ok).toBe(false);
    expect(json.dockerfile?.path).toBe(MISTAKES);
    expect(json.dockerfile?.findings[0]).toEqual({
      rule: 'GB011', line: 2, severity: 'warning',
      message: 'base image ubuntu has no tag, so docker uses :latest, which moves: the grader can change or break with no change of yours',
      fix: 'pin a version tag (python:3.12-slim) or a digest (python@sha256:…), in the FROM or as the ARG\'s default',
    });
    expect(json.dockerfile?.findings.filter((f) => f.severity === 'error').map((f) => [f.line, f.rule])).toEqual([[4, 'GB060'], [7, 'GB020']]);
  });

  it('warnings and info only: exit 0', async () => {
    const file = join(work, 'warnings.Dockerfile');
    await writeFile(file, 'FROM python\nUSER 1000\nENTRYPOINT ["/g"]\n');
    const result = await gradebox(['sanity', '--skip-environment', '-f', file, '--json']);
    expect(result.code).toBe(0);
    expect(report(result)).toMatchObject({ ok: true, dockerfile: { findings: [{ rule: 'GB011', line: 1 }] } });
  });

  it('a binary file is a finding (exit 1), not a crash', async () => {
    const file = join(work, 'binary');
    await writeFile(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]));
    const result = await gradebox(['sanity', '--skip-environment', '-f', file]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(`${file}:1  error   GB000  not a Dockerfile: binary data (a NUL byte at offset 7)`);
  });

  it('an empty file: GB001, exit 1', async () => {
    const file = join(work, 'empty');
    await writeFile(file, '');
    const json = report(await gradebox(['sanity', '--skip-environment', '-f', file, '--json']));
    expect(json.dockerfile?.findings.map((f) => [f.line, f.rule])).toEqual([[1, 'GB001']]);
  });

  it('without -f: ./Dockerfile of the current directory, or a note that the lint is skipped', async () => {
    const withFile = join(work, 'project');
    await mkdir(withFile);
    await copyFile(MISTAKES, join(withFile, 'Dockerfile'));
    const linted = await gradebox(['sanity', '--skip-environment', '--json'], { cwd: withFile });
    expect(linted.code).toBe(1);
    expect(report(linted).dockerfile?.path).toBe('Dockerfile');

    const empty = join(work, 'empty-dir');
    await mkdir(empty);
    const skipped = await gradebox(['sanity', '--skip-environment'], { cwd: empty });
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toBe('Dockerfile lint\n  skipped: no ./Dockerfile here (lint one with -f PATH)\n\nsanity: nothing checked: ok\n');
    const json = report(await gradebox(['sanity', '--skip-environment', '--json'], { cwd: empty }));
    expect(json).toEqual({ environment: null, dockerfile: null, ok: true });
  });

  it('colours: none when piped or with NO_COLOR; FORCE_COLOR=1 colours', async () => {
    const plain = await gradebox(['sanity', '--skip-environment', '-f', MISTAKES], { env: { NO_COLOR: undefined } });
    expect(plain.stdout).not.toContain(ESC);
    const forced = await gradebox(['sanity', '--skip-environment', '-f', MISTAKES], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(ESC);
  });
});

describe('environment checks', () => {
  asRoot('on this machine: every check passes (Docker may warn); exit 0 with a clean Dockerfile', async () => {
    const result = await gradebox(['sanity', '-f', CLEAN, '--json']);
    expect(result.code, result.stdout).toBe(0);
    const json = report(result);
    expect(json.ok).toBe(true);
    // Every check, in the library's order (environment.test.ts pins that list).
    expect(json.environment?.map((c) => c.id)).toEqual(environmentChecks().map((c) => c.id));
    for (const check of json.environment ?? []) {
      expect(check.status, `${check.id}: ${check.detail}`).not.toBe('fail');
      expect(typeof check.ms).toBe('number');
    }
    expect(json.environment?.find((c) => c.id === 'sandbox-trial')).toMatchObject({ status: 'pass' });
    console.log(`gradebox sanity (environment + lint, fresh home): ${Math.round(result.ms)} ms`);
  });

  asRoot('human report: grouped, one line per check, and the summary', async () => {
    const result = await gradebox(['sanity', '-f', MISTAKES]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Environment\n {2}✓ Node\.js {8}\d+\.\d+\.\d+\n {2}✓ root {11}running as root \(uid 0\)\n/);
    expect(result.stdout).toMatch(/^ {2}✓ sandbox trial {2}sh -c 'echo ok' ran as uid 1000 of its own user namespace in a fresh sandbox in \d+ ms; runs live on a tmpfs \(\/\S+\)$/m);
    expect(result.stdout).toMatch(/^sanity: environment \d+ passed, \d+ warned, 0 failed; Dockerfile 2 errors, 6 warnings, 6 info: fix the errors$/m);
    console.log(`gradebox sanity (cached runtime verdict): ${Math.round(result.ms)} ms`);
  });

  describe('runc and crun hidden', () => {
    let bin: string;
    let blank: string;
    beforeAll(async () => {
      // PATH holds node and nothing else; runc and crun are covered wherever they are installed.
      bin = join(work, 'bin-node-only');
      await mkdir(bin);
      await symlink(process.execPath, join(bin, 'node'));
      blank = join(work, 'blank');
      await writeFile(blank, '', { mode: 0o644 });
    });

    function hidden(args: string[], homeDir: string): Promise<CliResult> {
      const command = hidingPrograms(['runc', 'crun'], blank, ['node', GRADEBOX_BIN]);
      return gradebox(args, { env: { GRADEBOX_HOME: homeDir, PATH: bin }, command });
    }

    asRoot('a fresh home (no cached verdict): the runtime check fails with apt-get install runc; exit 3 wins over 1', async () => {
      const fresh = join(work, 'fresh-home');
      const result = await hidden(['sanity', '-f', MISTAKES, '--json'], fresh);
      expect(result.code, result.stderr).toBe(3);
      const json = report(result);
      expect(json.ok).toBe(false);
      expect(json.environment?.find((c) => c.id === 'oci-runtime')).toMatchObject({
        status: 'fail', detail: 'neither runc nor crun is installed', fix: 'apt-get install runc',
      });
      expect(json.environment?.find((c) => c.id === 'sandbox-trial')).toMatchObject({
        status: 'fail', detail: expect.stringMatching(/no working OCI runtime \(crun: not installed; runc: not installed\)/) as string,
        fix: expect.stringMatching(/apt-get install runc/) as string,
      });
      // The other checks are unaffected.
      expect(json.environment?.find((c) => c.id === 'namespaces')?.status).toBe('pass');
    });

    asRoot('a home whose cached verdict says crun or runc works: the cache is not trusted for binaries that are gone', async () => {
      // The environment tests above proved a runtime in `home`, so its verdict file exists.
      const result = await hidden(['sanity', '--skip-environment', '-f', CLEAN], home);
      expect(result.code).toBe(0); // the lint alone does not need runc
      const full = await hidden(['sanity', '-f', CLEAN], home);
      expect(full.code, full.stdout).toBe(3);
      expect(full.stdout).toMatch(/^ {2}✗ OCI runtime {4}neither runc nor crun is installed\n {2}\s+fix: apt-get install runc$/m);
      expect(full.stdout).toMatch(/^ {2}✗ sandbox trial {2}no working OCI runtime/m);
      expect(full.stdout).toMatch(/: this machine cannot grade$/m);
    });
  });
});
