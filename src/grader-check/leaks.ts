/**
 * Internals of a grader in what a student sees: stack frames and paths of the grader's own code
 * (or its test harness), as a grader shows them when it puts its own traceback or stderr into the
 * feedback. A student's own traceback is useful to them and is not a leak: a frame or path whose
 * file is one of the submission's files counts as the student's.
 */
import path from 'node:path';
import type { GradeResult } from '../grader/grade-result.ts';
import type { ImageConfig } from '../image/image.ts';

/** Folders where graders keep their code by convention (Coursera's `/grader`, Gradescope's `/autograder/source`). */
export const CONVENTIONAL_GRADER_DIRS: readonly string[] = ['/grader', '/autograder/source', '/autograder/run_autograder'];

/**
 * Everything of a result a student may ever see: the feedback and the tests not `hidden` (those
 * shown after the deadline or release count: they will be seen), and stdout when the grader made it
 * visible. Nothing when the whole result is hidden.
 */
export function studentVisibleText(result: GradeResult): string[] {
  if (result.visibility === 'hidden') return [];
  const texts = [result.feedback.text];
  for (const test of result.tests) if (test.visibility !== 'hidden') texts.push(test.name, test.output);
  if (result.output.visibleToStudents) texts.push(result.output.stdout.text);
  return texts.filter((text) => text !== '');
}

// Python: `File "/grader/grade.py", line 12`.
const PYTHON_FRAME = /File "([^"\n]+)", line \d+/g;
// Java: `at org.junit.Assert.fail(Assert.java:89)`; class and file.
const JAVA_FRAME = /\bat ((?:[\w$]+[./])*[\w$<>]+)\(([\w$]+\.java):\d+\)/g;
// JavaScript: `at run (/grader/run.js:10:5)` or `at /grader/run.js:10:5`.
const JS_FRAME = /\bat (?:[^\s()]+ )?\(?(\/[^\s():]+):\d+:\d+\)?/g;
// Standard libraries and runtimes: their frames show up in students' own tracebacks too.
const RUNTIME_PATH = /^(?:<[^>]*>|\/usr\/(?:local\/)?lib\/|\/usr\/share\/|\/opt\/|\/usr\/lib64\/|node:)/;
const RUNTIME_CLASS = /^(?:java|javax|jdk|sun|com\.sun)\.|^java\.base\//;

/**
 * One message per internal thing found in `texts` (at most one per file named): frames of code
 * that is not the submission's, and paths under the grader's folders. `submissionFiles` are the
 * paths of the submission's files; `graderDirs` the folders the grader's code lives in.
 */
export function findLeaks(texts: readonly string[], submissionFiles: readonly string[], graderDirs: readonly string[]): string[] {
  const students = new Set(submissionFiles.map((file) => path.posix.basename(file)));
  const isStudents = (file: string): boolean => students.has(path.posix.basename(file));
  const found = new Map<string, string>();
  const note = (key: string, message: string): void => void (found.has(key) || found.set(key, message));
  for (const text of texts) {
    for (const [, file] of text.matchAll(PYTHON_FRAME)) {
      if (file !== undefined && !isStudents(file) && !RUNTIME_PATH.test(file)) note(file, `a Python stack frame of the grader's code (${file})`);
    }
    for (const [, className, file] of text.matchAll(JAVA_FRAME)) {
      if (className !== undefined && file !== undefined && !isStudents(file) && !RUNTIME_CLASS.test(className)) {
        note(file, `a Java stack frame of the grader or its test harness (${className}, ${file})`);
      }
    }
    for (const [, file] of text.matchAll(JS_FRAME)) {
      if (file !== undefined && !isStudents(file) && !RUNTIME_PATH.test(file)) note(file, `a JavaScript stack frame of the grader's code (${file})`);
    }
    for (const dir of graderDirs) {
      for (const match of text.matchAll(pathsUnder(dir))) {
        const file = match[1];
        if (file !== undefined && !isStudents(file)) note(file, `a path of the grader's own files (${file})`);
      }
    }
  }
  return [...found.values()];
}

/** `dir` itself or a path below it, not part of a longer name (`/graders`, `x/grader`). */
function pathsUnder(dir: string): RegExp {
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w./-])(${escaped}(?:/[^\\s"'\`:,;()<>\\]]*)?)(?![\\w-])`, 'g');
}

/**
 * The folders a grader image keeps its code in: the conventional ones, and the folder of each
 * absolute path in its ENTRYPOINT and CMD and its WORKDIR, unless that is a system folder.
 */
export function graderDirsOf(config: Pick<ImageConfig, 'entrypoint' | 'cmd' | 'workingDir'> | undefined): string[] {
  const dirs = new Set(CONVENTIONAL_GRADER_DIRS);
  const system = /^\/(?:bin|sbin|usr|lib|lib64|etc|tmp|var|shared|autograder|home|root|opt)?$/;
  for (const arg of [...(config?.entrypoint ?? []), ...(config?.cmd ?? [])]) {
    if (!arg.startsWith('/')) continue;
    const dir = path.posix.dirname(arg);
    if (!system.test(dir) && !/^\/(?:usr\/(?:local\/)?)?s?bin$/.test(dir)) dirs.add(dir);
  }
  const workdir = config?.workingDir?.replace(/\/+$/, '') ?? '';
  if (workdir.startsWith('/') && !system.test(workdir)) dirs.add(workdir);
  return [...dirs];
}
