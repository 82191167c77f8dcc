/**
 * The Dockerfile lint as a whole, over the fixtures in test/fixtures/dockerfiles/: exact findings,
 * heredocs, multi-stage builds, parser directives, ignore comments, and odd input that must give
 * a finding rather than a crash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintDockerfile, lintDockerfileFile } from '../../src/sanity/dockerfile/lint-dockerfile.ts';
import { REPO_ROOT } from '../support/run-cli.ts';
import { dockerfile, summary } from './lint-helpers.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'dockerfiles');
const fixture = (name: string): string => join(FIXTURES, name);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gradebox-lint-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('fixtures', () => {
  it('a clean Coursera grader has no findings', async () => {
    expect(await lintDockerfileFile(fixture('coursera-clean.Dockerfile'))).toEqual([]);
  });

  it('a grader with the usual mistakes: every finding, in line order, errors first on a line', async () => {
    const findings = await lintDockerfileFile(fixture('coursera-mistakes.Dockerfile'));
    expect(findings.map((f) => [f.line, f.severity, f.rule])).toEqual([
      [2, 'warning', 'GB011'], [2, 'info', 'GB010'], [2, 'info', 'GB041'],
      [4, 'error', 'GB060'], [4, 'info', 'GB052'],
      [6, 'warning', 'GB070'], [6, 'warning', 'GB071'], [6, 'info', 'GB072'],
      [7, 'error', 'GB020'],
      [8, 'info', 'GB023'],
      [9, 'info', 'GB050'],
      [10, 'warning', 'GB051'],
      [11, 'warning', 'GB031'],
      [12, 'warning', 'GB033'],
    ]);
    for (const finding of findings) {
      expect(finding.message.length, finding.rule).toBeGreaterThan(20);
      expect(finding.fix.length, finding.rule).toBeGreaterThan(5);
    }
  });

  it('a Gradescope grader needs no ENTRYPOINT; how it runs here (GB080) and that USER does not apply (GB084) are noted', async () => {
    const findings = await lintDockerfileFile(fixture('gradescope.Dockerfile'));
    expect(findings.map((f) => [f.line, f.severity, f.rule])).toEqual([[4, 'info', 'GB080'], [7, 'info', 'GB084']]);
  });

  it('a Gradescope grader moved from a zip to a Dockerfile, with what then differs here', async () => {
    const findings = await lintDockerfileFile(fixture('gradescope-mistakes.Dockerfile'));
    expect(findings.map((f) => [f.line, f.severity, f.rule])).toEqual([
      [4, 'error', 'GB081'], [4, 'info', 'GB080'],
      [5, 'warning', 'GB082'],
      [6, 'warning', 'GB062'],
      [7, 'warning', 'GB083'],
      [8, 'warning', 'GB083'],
      [10, 'info', 'GB084'],
    ]);
  });

  it('multi-stage: the build stage\'s bare-shell ENTRYPOINT, USER root and templated FROM are not the grader\'s', async () => {
    const findings = await lintDockerfileFile(fixture('multi-stage.Dockerfile'));
    expect(findings.map((f) => [f.line, f.rule])).toEqual([[6, 'GB021']]);
  });

  it('heredocs: instruction-like body lines are not instructions; a python body is not shell', async () => {
    const findings = await lintDockerfileFile(fixture('heredoc.Dockerfile'));
    expect(findings.map((f) => [f.line, f.rule])).toEqual([[4, 'GB007']]);
  });

  it('the escape parser directive: backtick continuations are followed', async () => {
    expect(await lintDockerfileFile(fixture('escape-directive.Dockerfile'))).toEqual([]);
  });
});

describe('odd input gives findings, never an exception', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \t\n\n'],
    ['a lone backslash', '\\'],
    ['a lone bracket', '['],
    ['JSON', '{"FROM": "ubuntu"}'],
    ['a shell script', '#!/bin/sh\necho hello\nexit 0\n'],
    ['an unterminated JSON ENTRYPOINT', 'FROM x:1\nENTRYPOINT ["/a", \n'],
    ['instructions without arguments', 'FROM\nCOPY\nRUN\nENTRYPOINT\nUSER\nWORKDIR\nENV\nARG\nONBUILD\nHEALTHCHECK\nEXPOSE\n'],
    ['only continuation characters', 'FROM x:1\nRUN \\\n\\\n\\\n'],
    ['control characters', 'FROM x:1\u0001\u0002\nRUN \u001b[31m red\n'],
    ['broken variables in FROM', 'ARG A=${\nFROM $\nFROM ${\nFROM ${}:1\nFROM ${A:-${A}}\nFROM $$$$:latest\n'],
    ['a FROM of ten thousand variables', `FROM ${'${X:-a}'.repeat(10_000)}\n`],
    ['Gradescope paths without operands', 'FROM gradescope/autograder-base\nCOPY /autograder/\nCOPY\nUSER\nENTRYPOINT []\nCMD\n'],
  ])('%s', (_name, text) => {
    const findings = lintDockerfile(text);
    expect(Array.isArray(findings)).toBe(true);
    for (const f of findings) expect(f.line).toBeGreaterThanOrEqual(1);
  });

  it('random bytes: GB000 or structure findings', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      const findings = lintDockerfile(bytes);
      expect(findings.length).toBeGreaterThan(0);
    }
  });

  it('a file over 1 MiB is not read', async () => {
    const big = join(work, 'big');
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024, 0x41));
    expect((await lintDockerfileFile(big)).map((f) => [f.rule, f.message])).toEqual([['GB000', 'not a Dockerfile: 2097152 bytes, over the 1048576-byte limit']]);
  });
});

describe('# gradebox-ignore', () => {
  it('silences the listed rules on the instruction below, including findings on its continuation lines', () => {
    const text = dockerfile(
      'FROM python:3.12-slim',
      '# gradebox-ignore GB060, GB053',
      '# (the comment block may have other lines)',
      'ENV TOKEN=x \\',
      '    partId=p',
      'ENV PASSWORD=y',
      'USER 1000',
      'ENTRYPOINT ["/g"]',
    );
    expect(summary(text)).toEqual([[4, 'GB052'], [6, 'GB060']]);
  });

  it('a blank line breaks the block; other rules stay', () => {
    const text = dockerfile('# gradebox-ignore GB011', '', 'FROM python', 'USER 1000', 'ENTRYPOINT ["/g"]');
    expect(summary(text)).toEqual([[3, 'GB011']]);
    expect(summary(dockerfile('# gradebox-ignore=GB041', 'FROM python', 'ENTRYPOINT ["/g"]'))).toEqual([[2, 'GB011']]);
  });
});
