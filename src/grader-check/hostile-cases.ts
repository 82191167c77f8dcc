/**
 * The built-in hostile and malformed submissions of `gradebox check-grader` (docs/check-grader.md).
 *
 * A check cannot know the assignment's language or file names, so each case is derived from a
 * sample submission when the author gives one (`--sample DIR`): its source files (known by their
 * extension) get hostile code in the same language under the same name, which is what a
 * student's broken work looks like to the grader (injected into Java, C and C++ sources, which
 * must still compile against the grader's tests; replacing the others, which run when loaded). Without a sample, or when the sample has
 * no source file gradebox knows, the hostile code comes as one file per common language
 * (`main.py`, `main.sh`, `Main.java`, …) next to the sample's files.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  FORGED_FILES, GENERIC_FILES, hostileSource, injectedSource, languageOf, lineComment,
  type Behaviour, type Language,
} from './hostile-code.ts';

/** One file of a submission: its path inside it (`/`-separated) and content. */
export interface CaseFile {
  path: string;
  content: Buffer | string;
  /** A right submission's source with hostile code injected: its own work is all still there. */
  injected?: true;
}

export interface HostileCase {
  id: string;
  /** What the submission does, for the report. */
  title: string;
  /** What a grader should do with it, for the report and the docs. */
  expect: string;
  /** Why the server cannot take this case (its intake refuses it first), when it cannot. */
  notRemote?: string;
  /** A right submission may look like this (renamed or extra files): full marks are no fault here. */
  mayBeRight?: true;
  /** The submission's files, from the sample's (none without a sample). */
  files(sample: readonly CaseFile[]): CaseFile[];
}

/** Size of the huge file: past what graders expect of source, within the intake's 50 MiB upload. */
export const HUGE_FILE_BYTES = 20 * 1024 * 1024;
/** Size of each binary-garbage file. */
const GARBAGE_BYTES = 64 * 1024;

const codeCase = (id: Behaviour, title: string, expect: string, extra: readonly CaseFile[] = []): HostileCase => ({
  id,
  title,
  expect,
  files: (sample) => [...withHostileCode(sample, id), ...extra],
});

/** Every case, in the order they run and are reported. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    id: 'no-files',
    title: 'a submission folder with no files at all',
    expect: 'a result saying that nothing was submitted',
    notRemote: 'the server refuses a submission without files, so no grader ever sees one',
    files: () => [],
  },
  {
    id: 'empty-files',
    title: "the sample's files, each empty (0 bytes)",
    expect: 'a result saying the files are empty, not a crash',
    files: (sample) => sourceOrGeneric(sample).map((file) => ({ path: file.path, content: '' })),
  },
  {
    id: 'wrong-names',
    title: "the sample's files under the names a browser gives a second download (`main (1).py`)",
    expect: 'a result naming the file the grader expected',
    mayBeRight: true,
    files: (sample) => sourceOrGeneric(sample).map((file) => ({ ...file, path: secondDownloadName(file.path) })),
  },
  codeCase('infinite-loop', 'source that loops forever', "the grader stops the submission's code itself and says it ran too long"),
  codeCase('fork-bomb', 'source that starts processes (or threads) without end', "the grader's own limits stop it and the grader still reports"),
  codeCase('memory-bomb', 'source that allocates memory without end', "the grader limits the submission's memory and reports, rather than the whole grading being killed"),
  codeCase('output-flood', 'source that prints about 55 MiB on each of stdout and stderr', 'the grader keeps a short excerpt; it does not copy the flood to its own output or the feedback'),
  codeCase('network', `source that looks up and connects to a host on the internet`, 'a result: the sandbox has no network, and the failure is the student\'s'),
  codeCase(
    'forged-result',
    'source that writes a full-marks result where graders write theirs (/shared/feedback.json, /autograder/results/results.json) and prints one, and result files among the submitted files',
    "the grader's own result: never the forged one",
    FORGED_FILES,
  ),
  {
    id: 'huge-file',
    title: `the sample's first file grown to ${HUGE_FILE_BYTES / 1024 / 1024} MiB (comment lines in its language, else text)`,
    expect: 'a result in reasonable time, without the file in the feedback',
    files: (sample) => {
      const [first, ...rest] = sourceOrGeneric(sample);
      return first === undefined ? [] : [{ path: first.path, content: hugeContent(languageOf(first.path)) }, ...rest];
    },
  },
  {
    id: 'binary-garbage',
    title: "the sample's files filled with random bytes (NULs and invalid UTF-8 included)",
    expect: "a result saying the files are not valid source, not a decoding crash",
    files: (sample) => sourceOrGeneric(sample).map((file, i) => ({ path: file.path, content: garbage(i + 1) })),
  },
  {
    id: 'odd-names',
    title: 'the sample with extra files whose names the intake allows but scripts trip on: spaces, leading dashes, `...`, unicode, quotes, `$(…)`, `*`, a 200-character name',
    expect: 'the same result as the sample alone (or a clear message about the extra files)',
    mayBeRight: true,
    files: (sample) => [...sample, ...ODD_FILES],
  },
];

export const HOSTILE_CASE_IDS: readonly string[] = HOSTILE_CASES.map((c) => c.id);

const ODD_NAMES = [
  'with space.txt', '-rf', '--help', '...', '..twodots', 'a..b.txt', 'ünïcødé-文件.txt', 'emoji-😀.txt',
  "quote'and\"dquote.txt", '$(touch pwned).txt', '*', 'semi;colon&amp.txt', 'rtl-\u202etxt.py', `${'x'.repeat(200)}.txt`,
  'nested dir/-n/file with space.txt',
];
const ODD_FILES: readonly CaseFile[] = ODD_NAMES.map((name) => ({ path: name, content: `gradebox check-grader: a file named ${JSON.stringify(name)}\n` }));

/**
 * The sample's files with `behaviour` in each source file: injected into Java, C and C++ sources
 * (which must still compile against the grader's tests), replacing the others; generic files when
 * the sample has no source file.
 */
function withHostileCode(sample: readonly CaseFile[], behaviour: Behaviour): CaseFile[] {
  const sources = sample.filter((file) => languageOf(file.path) !== undefined);
  if (sources.length === 0) return [...sample, ...genericFiles(behaviour)];
  return sample.map((file): CaseFile => {
    const language = languageOf(file.path);
    if (language === undefined) return file;
    const injected = injectedSource(behaviour, language, file.path, Buffer.from(file.content).toString('utf8'));
    return injected === undefined ? { path: file.path, content: hostileSource(behaviour, language, file.path) } : { path: file.path, content: injected, injected: true };
  });
}

function genericFiles(behaviour: Behaviour): CaseFile[] {
  return GENERIC_FILES.map(({ path: file, language }) => ({ path: file, content: hostileSource(behaviour, language, file) }));
}

/** The sample's files, or without a sample the generic ones, empty. */
function sourceOrGeneric(sample: readonly CaseFile[]): CaseFile[] {
  return sample.length > 0 ? [...sample] : GENERIC_FILES.map((file) => ({ path: file.path, content: '' }));
}

/**
 * Whether full marks could be right for this case's files: a case that keeps a right submission's
 * work (`mayBeRight`, injected sources), or files that still hold some of the sample's (a data
 * file beside the replaced sources). Otherwise full marks mean the grader does not look at what it
 * grades.
 */
export function fullMarksPossible(hostile: HostileCase, files: readonly CaseFile[], sample: readonly CaseFile[]): boolean {
  if (hostile.mayBeRight || files.some((file) => file.injected)) return true;
  const same = (a: CaseFile, b: CaseFile): boolean => a.path === b.path && Buffer.from(a.content).equals(Buffer.from(b.content));
  return files.some((file) => sample.some((kept) => same(file, kept)));
}

/** `src/main.py` → `src/main (1).py`. */
function secondDownloadName(file: string): string {
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const dot = base.lastIndexOf('.');
  const renamed = dot > 0 ? `${base.slice(0, dot)} (1)${base.slice(dot)}` : `${base} (1)`;
  return dir === '.' ? renamed : `${dir}/${renamed}`;
}

function hugeContent(language: Language | undefined): Buffer {
  const prefix = language === undefined ? '' : `${lineComment(language)} `;
  const line = `${prefix}gradebox check-grader: a huge file, line after line of it\n`;
  return Buffer.from(line.repeat(Math.ceil(HUGE_FILE_BYTES / line.length))).subarray(0, HUGE_FILE_BYTES);
}

/** Deterministic random bytes (xorshift), starting with a NUL and an invalid UTF-8 sequence. */
function garbage(seed: number): Buffer {
  const bytes = Buffer.alloc(GARBAGE_BYTES);
  let x = (0x9e3779b9 ^ seed) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  bytes.set([0x00, 0xc3, 0x28, 0xff, 0xfe], 0);
  return bytes;
}

/** Reads a sample submission folder: every regular file under it, paths `/`-separated, sorted. */
export async function readSample(dir: string): Promise<CaseFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: CaseFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.push({ path: path.relative(dir, full).split(path.sep).join('/'), content: await readFile(full) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes a case's files under `dir` (created; it must not exist or be empty). */
export async function writeCase(dir: string, files: readonly CaseFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = path.join(dir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}
