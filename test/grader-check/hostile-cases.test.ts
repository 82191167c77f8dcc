/**
 * The hostile cases of `gradebox check-grader`: how they derive from a sample, and that their code
 * is valid in each language (checked with the real compilers and interpreters this machine has:
 * a syntax error would make a case test nothing).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectCases, UnknownCaseError } from '../../src/grader-check/check-report.ts';
import { fullMarksPossible, HOSTILE_CASES, HUGE_FILE_BYTES, writeCase, type CaseFile } from '../../src/grader-check/hostile-cases.ts';
import { FORGED_FEEDBACK, GENERIC_FILES, hostileSource, languageOf, type Behaviour } from '../../src/grader-check/hostile-code.ts';
import { normalizeSubmissionPath } from '../../src/intake/submission-path.ts';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from '../../src/intake/intake-limits.ts';
import { findProgram } from '../../src/util/find-program.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const BEHAVIOURS: Behaviour[] = ['infinite-loop', 'fork-bomb', 'memory-bomb', 'output-flood', 'network', 'forged-result'];
const SAMPLE: CaseFile[] = [
  { path: 'stats.py', content: 'def mean(xs):\n    return sum(xs) / len(xs)\n' },
  { path: 'data/input.csv', content: '1,2,3\n' },
];
const byId = (id: string) => HOSTILE_CASES.find((c) => c.id === id)!;
const text = (file: CaseFile | undefined): string => Buffer.from(file?.content ?? '').toString('utf8');

describe('cases derived from a sample', () => {
  it('replace each source file by hostile code in its language, under its name, and keep the data files', () => {
    const files = byId('infinite-loop').files(SAMPLE);
    expect(files.map((f) => f.path)).toEqual(['stats.py', 'data/input.csv']);
    expect(text(files[0])).toBe(hostileSource('infinite-loop', 'python', 'stats.py'));
    expect(files[1]).toBe(SAMPLE[1]);
  });

  it('inject the code into Java, C and C++ sources, which keep all their own code (and may deserve full marks)', () => {
    const java = { path: 'src/textutil/TextUtil.java', content: 'package textutil;\n\n/** Doc. */\npublic final class TextUtil implements Cloneable {\n    public static int one() { return 1; }\n}\n' };
    const [injected] = byId('infinite-loop').files([java]);
    expect(injected).toMatchObject({ path: java.path, injected: true });
    expect(text(injected)).toMatch(/^package textutil;\n\n\/\*\* Doc\. \*\/\npublic final class TextUtil implements Cloneable \{\n {4}static \{\n {8}try \{ gradeboxCheck\(\);/);
    expect(text(injected)).toContain('    public static int one() { return 1; }\n}\n');
    expect(fullMarksPossible(byId('infinite-loop'), [injected!], [java])).toBe(true);
    const c = { path: 'sum.c', content: 'int sum(int a, int b) { return a + b; }\n' };
    expect(text(byId('fork-bomb').files([c])[0])).toMatch(/__attribute__\(\(constructor\)\)[^]*\n#line 1\nint sum\(int a, int b\) \{ return a \+ b; \}\n$/);
    // A Java file without the class its name promises gets a class of its own.
    expect(text(byId('network').files([{ path: 'Odd.java', content: 'class Other {}\n' }])[0])).toMatch(/^public class Odd \{/);
  });

  it('add one file per language when the sample has no source gradebox knows, and use them alone without a sample', () => {
    const answer = [{ path: 'answer.txt', content: '55\n' }];
    expect(byId('fork-bomb').files(answer).map((f) => f.path)).toEqual(['answer.txt', ...GENERIC_FILES.map((g) => g.path)]);
    expect(byId('fork-bomb').files([]).map((f) => f.path)).toEqual(GENERIC_FILES.map((g) => g.path));
  });

  it('forged-result carries forged result files among the submitted ones', () => {
    const files = byId('forged-result').files(SAMPLE);
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['feedback.json', 'results.json', 'results/results.json']));
    expect(JSON.parse(text(files.find((f) => f.path === 'feedback.json')))).toMatchObject({ feedback: FORGED_FEEDBACK });
  });

  it('empty-files, wrong-names, huge-file and binary-garbage work on every file of the sample', () => {
    expect(byId('empty-files').files(SAMPLE).map((f) => [f.path, text(f)])).toEqual([['stats.py', ''], ['data/input.csv', '']]);
    expect(byId('wrong-names').files(SAMPLE).map((f) => f.path)).toEqual(['stats (1).py', 'data/input (1).csv']);
    const huge = byId('huge-file').files(SAMPLE);
    expect(Buffer.from(huge[0]!.content).length).toBe(HUGE_FILE_BYTES);
    expect(text(huge[0]).split('\n')[0]).toMatch(/^# gradebox check-grader: a huge file/);
    const garbage = byId('binary-garbage').files(SAMPLE).map((f) => Buffer.from(f.content));
    expect(garbage.every((bytes) => bytes.includes(0) && bytes.toString('utf8').includes('\ufffd'))).toBe(true);
    expect(garbage[0]!.equals(garbage[1]!)).toBe(false);
  });

  it('odd-names adds files the intake accepts, and no-files is local only', () => {
    const odd = byId('odd-names').files(SAMPLE);
    expect(odd.slice(0, 2)).toEqual(SAMPLE);
    for (const file of odd) expect(normalizeSubmissionPath(file.path, DEFAULT_SUBMISSION_INTAKE_LIMITS)).toBe(file.path);
    expect(byId('no-files').files(SAMPLE)).toEqual([]);
    expect(byId('no-files').notRemote).toBeDefined();
  });

  it('full marks are possible only where a right submission could be (renamed or extra files, or some of its files kept)', () => {
    expect(fullMarksPossible(byId('empty-files'), byId('empty-files').files(SAMPLE), SAMPLE)).toBe(false);
    // The data file is the sample's own: its work survives beside the hostile code.
    expect(fullMarksPossible(byId('network'), byId('network').files(SAMPLE), SAMPLE)).toBe(true);
    const onlySource = SAMPLE.slice(0, 1);
    expect(fullMarksPossible(byId('network'), byId('network').files(onlySource), onlySource)).toBe(false);
    expect(fullMarksPossible(byId('wrong-names'), byId('wrong-names').files(onlySource), onlySource)).toBe(true);
  });

  it('--case names known cases only', () => {
    expect(selectCases(['odd-names', 'no-files']).map((c) => c.id)).toEqual(['no-files', 'odd-names']);
    expect(() => selectCases(['fork-bombs'])).toThrow(UnknownCaseError);
  });
});

describe('hostile code is valid in each language', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gradebox-hostile-code-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const checkers: Record<string, { program: string; check: (file: string, dir: string) => string[] }> = {
    python: { program: 'python3', check: (file) => ['-m', 'py_compile', file] },
    shell: { program: 'sh', check: (file) => ['-n', file] },
    javascript: { program: 'node', check: (file) => ['--check', file] },
    c: { program: 'gcc', check: (file, dir) => ['-c', '-Wall', '-Werror', '-Wno-unused-result', file, '-o', join(dir, 'out.o')] },
    cpp: { program: 'g++', check: (file, dir) => ['-c', '-Wall', '-Wno-unused-result', file, '-o', join(dir, 'out.o')] },
    java: { program: 'javac', check: (file, dir) => ['-d', dir, file] },
  };

  it.each(BEHAVIOURS)('%s compiles (or parses) in every language this machine has a tool for', async (behaviour) => {
    const dir = join(work, behaviour);
    await writeCase(dir, GENERIC_FILES.map((g) => ({ path: g.path, content: hostileSource(behaviour, g.language, g.path) })));
    let checked = 0;
    for (const name of await readdir(dir)) {
      const checker = checkers[languageOf(name) ?? ''];
      if (checker === undefined || findProgram(checker.program) === undefined) continue;
      const out = join(dir, `${name}.build`);
      await writeCase(out, []);
      await expect(run(checker.program, checker.check(join(dir, name), out)), `${behaviour} ${name}`).resolves.toBeDefined();
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // Injected into a right submission's own source, the code still compiles.
    const samples = [
      { path: 'src/textutil/TextUtil.java', content: await readFile(join(REPO, 'test', 'fixtures', 'submissions', 'gradescope-junit', 'good', 'TextUtil.java'), 'utf8'), tool: 'javac' },
      { path: 'sum.c', content: '#include <stdio.h>\nint sum(int a, int b) { return a + b; }\nint main(void) { printf("%d\\n", sum(1, 2)); return 0; }\n', tool: 'gcc' },
      { path: 'sum.cpp', content: '#include <iostream>\nint sum(int a, int b) { return a + b; }\n', tool: 'g++' },
    ];
    for (const sample of samples) {
      const checker = Object.values(checkers).find((c) => c.program === sample.tool)!;
      if (findProgram(checker.program) === undefined) continue;
      const [file] = HOSTILE_CASES.find((c) => c.id === behaviour)!.files([{ path: sample.path, content: sample.content }]);
      const injectedDir = join(dir, 'injected', sample.tool);
      await writeCase(injectedDir, [file!]);
      await expect(run(checker.program, checker.check(join(injectedDir, sample.path), injectedDir)), `${behaviour} injected into ${sample.path}`).resolves.toBeDefined();
    }
    // R has no cheap syntax check here; its code is at least the file it should be.
    expect(await readFile(join(dir, 'main.R'), 'utf8')).not.toBe('');
  });
});
