/**
 * Test runs of an assignment's autograde grader (Codio's "Test Autograde Script"): each sample (a
 * folder, files or an archive, as `gradebox submit` takes them) is sent with the part results the
 * author simulates and run by one autograde grader version on the server (default: the newest
 * draft), at author-test priority and never counted as a student's. Used by `gradebox test-autograde`.
 */
import type { AutogradeTest } from '../platform/autograde-tests.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError } from './client-errors.ts';
import { collectSubmission, submissionForm, type SubmissionContent } from './submission-files.ts';
import { WaitTimedOut } from './wait-for-grading.ts';

/** One sample to run: a label for the report and the paths that make up the submission. */
export interface AutogradeSample {
  label: string;
  paths: readonly string[];
}

/** A sample's run, ended (`test.status` graded or error), or refused by the server's intake. */
export type AutogradeSampleRun =
  | { label: string; test: AutogradeTest; refused?: undefined }
  | { label: string; refused: { status: number; code: string; message: string }; test?: undefined };

export interface AutogradeTestOptions {
  /** The version's id or number (`3`, `v3`); default the newest draft (the server chooses). */
  version?: string;
  /** By part id (see docs/api.md); parts left out get full points. */
  partResults?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Stop waiting after this long (WaitTimedOut); the runs go on on the server. */
  timeoutMs?: number;
  /** How often to ask for the runs' state. */
  pollMs?: number;
  onProgress?: (state: { done: number; total: number; running: number }) => void;
}

/**
 * `--part-result` values: `PART=POINTS` (points earned), `PART=N%` (a percentage of the part's
 * points) or `PART=ungraded` (the part has no result: Codio's "not answered"). Throws a message
 * for a malformed one; the server checks the parts and ranges.
 */
export function parsePartResult(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const match = /^([^=]+)=(.*)$/.exec(value);
  if (!match) throw new Error(`--part-result ${JSON.stringify(value)}: expected PART=POINTS, PART=N% or PART=ungraded`);
  const [, part, given] = match as unknown as [string, string, string];
  if (Object.hasOwn(previous, part)) throw new Error(`--part-result: part ${JSON.stringify(part)} is given twice`);
  const number = (text: string): number | undefined => (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : undefined);
  let result: unknown;
  if (given === 'ungraded') result = { status: 'ungraded' };
  else if (given.endsWith('%') && number(given.slice(0, -1)) !== undefined) result = { fraction: number(given.slice(0, -1))! / 100 };
  else if (number(given) !== undefined) result = { points: number(given) };
  else throw new Error(`--part-result ${JSON.stringify(value)}: ${JSON.stringify(given)} is not points (3, 2.5), a percentage (50%) or ungraded`);
  return { ...previous, [part]: result };
}

/**
 * Sends every sample (each read, and a bad path refused, before anything is sent), then waits for
 * all the runs to end. A sample the intake refuses (400, 409, 413, 415) when others were accepted
 * is recorded as refused; any other failure (not found, forbidden, unreachable) throws, as does
 * any refusal before a run was started (bad part results, no autograde grader…).
 */
export async function runAutogradeTests(client: ApiClient, target: { course: string; assignment: string }, samples: readonly AutogradeSample[], options: AutogradeTestOptions = {}): Promise<AutogradeSampleRun[]> {
  const contents: SubmissionContent[] = [];
  for (const sample of samples) contents.push(await collectSubmission(sample.paths));
  const started: AutogradeSampleRun[] = [];
  for (const [i, sample] of samples.entries()) {
    options.signal?.throwIfAborted();
    const form = await testForm(contents[i]!, options);
    try {
      started.push({ label: sample.label, test: await client.startAutogradeTest(target.course, target.assignment, form) });
    } catch (error) {
      // The request's own faults (bad part results, no grader) refuse the first sample already:
      // a later refusal is that sample's fault (too big, a name the intake refuses), the others go on.
      const first = !started.some((run) => run.test !== undefined);
      if (first || !(error instanceof ApiError) || ![400, 409, 413, 415].includes(error.status)) throw error;
      started.push({ label: sample.label, refused: { status: error.status, code: error.code, message: error.message } });
    }
  }
  return waitForAll(client, started, options);
}

async function testForm(content: SubmissionContent, options: AutogradeTestOptions): Promise<FormData> {
  const form = new FormData();
  if (options.version !== undefined) form.append('version', options.version);
  if (options.partResults !== undefined) form.append('partResults', JSON.stringify(options.partResults));
  for (const [name, value] of (await submissionForm(content)).entries()) form.append(name, value);
  return form;
}

const ended = (test: AutogradeTest): boolean => test.status === 'graded' || test.status === 'error';

async function waitForAll(client: ApiClient, started: AutogradeSampleRun[], options: AutogradeTestOptions): Promise<AutogradeSampleRun[]> {
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  const runs = [...started];
  for (;;) {
    const tests = runs.flatMap((run) => (run.test ? [run.test] : []));
    options.onProgress?.({ done: tests.filter(ended).length, total: tests.length, running: tests.filter((t) => t.status === 'running').length });
    if (tests.every(ended)) return runs;
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new WaitTimedOut(`gave up waiting after ${options.timeoutMs! / 1000} s; ${tests.filter((t) => !ended(t)).length} autograde test runs are still going on the server`, undefined);
    }
    await sleep(options.pollMs ?? 500, options.signal);
    for (const [i, run] of runs.entries()) {
      if (run.test && !ended(run.test)) runs[i] = { label: run.label, test: await client.autogradeTest(run.test.id) };
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
