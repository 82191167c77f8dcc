/**
 * Author test runs of one grader version: each sample (a folder, files or an archive, as `gradebox
 * submit` takes them) becomes an `author-test` submission of one part, pinned to that version
 * (form field `graderVersion`), graded at author-test priority and never counted as a student's.
 * Used by `gradebox test-grader` (the author's samples) and `check-grader --remote` (hostile ones).
 */
import type { GraderVersion, PartOutcome, Submission } from '../platform/model.ts';
import type { ApiClient } from './api-client.ts';
import { askedVersion, type VersionChoice, type VersionWanted } from './choose-version.ts';
import { ApiError } from './client-errors.ts';
import { collectSubmission, submissionForm, type SubmissionContent } from './submission-files.ts';
import { waitForGrading, WaitTimedOut } from './wait-for-grading.ts';

/** The part whose grader is tested. */
export interface GraderTarget {
  course: string;
  assignment: string;
  part: string;
}

/** One sample to grade: a label for the report and the paths that make up the submission. */
export interface SampleInput {
  label: string;
  paths: readonly string[];
}

/** A sample's run: graded (`outcome` has the part's result, staff view) or refused by the server's intake. */
export type SampleRun =
  | { label: string; submission: Submission; outcome: PartOutcome; refused?: undefined }
  | { label: string; refused: { status: number; code: string; message: string }; submission?: undefined; outcome?: undefined };

export interface AuthorTestRuns {
  target: GraderTarget;
  version: GraderVersion;
  chosenBy: VersionChoice['chosenBy'];
  runs: SampleRun[];
}

export interface AuthorTestOptions {
  /** Default: the newest draft. */
  wanted?: VersionWanted;
  signal?: AbortSignal;
  /** Stop waiting for the results after this long (WaitTimedOut); grading goes on on the server. */
  timeoutMs?: number;
  /** `done` of `total` samples graded, and what the others are doing. */
  onProgress?: (state: { done: number; total: number; phases: string }) => void;
}

/** The grader version to test: `wanted.version`, else the newest draft (PreflightError when there is none). */
export async function testedVersion(client: ApiClient, target: GraderTarget, wanted: VersionWanted = {}): Promise<VersionChoice> {
  const versions = await client.graderVersions(target.course, target.assignment, target.part);
  const choice = askedVersion(versions, target.part, wanted.version !== undefined ? wanted : { draft: true });
  // askedVersion returns undefined only when neither was asked, and one always is here.
  if (choice === undefined) throw new Error('no grader version was asked for');
  return choice;
}

/**
 * Submits every sample as an author test of `target` graded by the chosen version, then waits for
 * all of them. Every sample is read (and a bad path refused) before anything is sent. A sample the
 * server's intake refuses (400, 409, 413, 415: too large, a name it does not take…) is recorded
 * as refused and the others go on; any other failure (not found, forbidden, unreachable) throws.
 */
export async function runAuthorTests(client: ApiClient, target: GraderTarget, samples: readonly SampleInput[], options: AuthorTestOptions = {}): Promise<AuthorTestRuns> {
  const choice = await testedVersion(client, target, options.wanted);
  const contents: SubmissionContent[] = [];
  for (const sample of samples) contents.push(await collectSubmission(sample.paths));
  const submitted: Submitted[] = [];
  for (const [i, sample] of samples.entries()) {
    options.signal?.throwIfAborted();
    const form = await submissionForm(contents[i]!, { kind: 'author-test', parts: [target.part], graderVersion: choice.version.id });
    try {
      submitted.push({ label: sample.label, submission: await client.submit(target.course, target.assignment, form) });
    } catch (error) {
      if (!(error instanceof ApiError) || ![400, 409, 413, 415].includes(error.status)) throw error;
      submitted.push({ label: sample.label, refused: { status: error.status, code: error.code, message: error.message } });
    }
  }
  const runs = await waitForAll(client, target, submitted, options);
  return { target, version: choice.version, chosenBy: choice.chosenBy, runs };
}

type Submitted = { label: string; submission: Submission } | { label: string; refused: NonNullable<SampleRun['refused']> };

async function waitForAll(client: ApiClient, target: GraderTarget, submitted: readonly Submitted[], options: AuthorTestOptions): Promise<SampleRun[]> {
  const latest = new Map<string, Submission>();
  const pending = submitted.flatMap((s) => ('submission' in s ? [s.submission] : []));
  const report = (): void => {
    const states = pending.map((s) => latest.get(s.id) ?? s);
    const done = states.filter((s) => s.status === 'graded').length;
    const phases = states.filter((s) => s.status !== 'graded').map((s) => s.parts[0]?.job?.phase ?? 'queued');
    const counts = [...new Set(phases)].map((phase) => `${phases.filter((p) => p === phase).length} ${phase}`).join(', ');
    options.onProgress?.({ done, total: pending.length, phases: counts });
  };
  report();
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  const graded = new Map<string, Submission>();
  // One at a time: they grade in submission order anyway, and one event stream is enough load.
  for (const submission of pending) {
    const left = deadline === undefined ? undefined : deadline - Date.now();
    if (left !== undefined && left <= 0) throw new WaitTimedOut(`gave up waiting after ${options.timeoutMs! / 1000} s; ${pending.length - graded.size} samples are still being graded`, undefined);
    const final = await waitForGrading(client, submission.id, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(left !== undefined ? { timeoutMs: left } : {}),
      onUpdate: (s) => {
        latest.set(s.id, s);
        report();
      },
    });
    latest.set(final.id, final);
    graded.set(final.id, final);
    report();
  }
  return submitted.map((s): SampleRun => {
    if ('refused' in s) return s;
    const final = graded.get(s.submission.id)!;
    const outcome = final.parts.find((p) => p.partId === target.part);
    if (outcome === undefined) throw new Error(`submission ${final.id} has no part ${target.part}`);
    return { label: s.label, submission: final, outcome };
  });
}
