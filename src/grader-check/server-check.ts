/**
 * `gradebox check-grader`'s hostile cases run on the server itself (the web page's "Check
 * robustness"): each case becomes an author-test submission of one part pinned to a grader
 * version, through the same intake and the same `Platform.submit` as the API's author tests, and
 * the cases' submissions are recorded (`Platform.recordRobustnessCheck`). The report is derived
 * from those submissions' results whenever it is read, judged by the same code as `check-grader
 * --remote` (`reportCase`), so it needs no state of its own in the server's memory.
 */
import { Readable } from 'node:stream';
import type { BlobStore } from '../image/blob-store.ts';
import type { SubmissionIntakeLimits } from '../intake/intake-limits.ts';
import { receiveSubmission, type IncomingPart } from '../intake/receive-submission.ts';
import { InvalidInput, NotFound, PlatformError } from '../platform/errors.ts';
import type { Actor, GraderVersion, SubmissionFile } from '../platform/model.ts';
import type { Platform } from '../platform/platform.ts';
import type { RobustnessCase, RobustnessCheck } from '../platform/robustness-checks.ts';
import { reportCase, selectCases, skipped, summarize, UnknownCaseError, type CaseReport, type CheckSummary } from './check-report.ts';
import { fullMarksPossible, HOSTILE_CASES, type CaseFile, type HostileCase } from './hostile-cases.ts';

export interface ServerCheckDeps {
  platform: Platform;
  blobs: BlobStore;
  intakeLimits: SubmissionIntakeLimits;
}

export interface ServerCheckRequest {
  courseId: string;
  assignmentId: string;
  partId: string;
  /** The version to check (any status). */
  graderVersionId: string;
  /** The sample's files, to derive the cases from (empty: generic files). */
  sample: readonly CaseFile[];
  /** Case ids; default every case. */
  cases?: readonly string[];
}

/** Largest sample a check takes: every case carries a copy of it. */
export const MAX_CHECK_SAMPLE_BYTES = 2 * 1024 * 1024;

/** Submits the cases as author tests and records them; returns the check (its id names the report). */
export async function startServerCheck(deps: ServerCheckDeps, actor: Actor, request: ServerCheckRequest): Promise<RobustnessCheck> {
  const { platform } = deps;
  let hostile: HostileCase[];
  try {
    hostile = selectCases(request.cases);
  } catch (error) {
    if (error instanceof UnknownCaseError) throw new InvalidInput(error.message, { field: 'cases' });
    throw error;
  }
  // The part and the version exist (404 otherwise) before anything is stored.
  await requireVersion(platform, actor, request);
  const sampleBytes = request.sample.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
  if (sampleBytes > MAX_CHECK_SAMPLE_BYTES) {
    throw new InvalidInput(`the sample has ${sampleBytes} bytes; a robustness check takes at most ${MAX_CHECK_SAMPLE_BYTES} (each case carries a copy)`, { field: 'sample' });
  }
  const cases: RobustnessCase[] = [];
  for (const each of hostile) {
    if (each.notRemote !== undefined) {
      cases.push({ caseId: each.id, submissionId: null, skipped: each.notRemote, fullMarksPossible: false });
      continue;
    }
    const files = each.files(request.sample);
    let stored: SubmissionFile[];
    try {
      stored = await receiveSubmission(inMemoryParts(files), deps.blobs, deps.intakeLimits);
    } catch (error) {
      // Refused by the intake: no student can submit it either (as with --remote).
      if (!(error instanceof PlatformError) || ![400, 409, 413, 415].includes(error.status)) throw error;
      const reason = reportCase(each, { refused: { status: error.status, message: error.message } }).reasons[0] ?? error.message;
      cases.push({ caseId: each.id, submissionId: null, skipped: reason, fullMarksPossible: false });
      continue;
    }
    const submission = await platform.submit(
      actor,
      { courseId: request.courseId, assignmentId: request.assignmentId, files: stored, kind: 'author-test', parts: [request.partId], graderVersionId: request.graderVersionId },
      'author-test',
    );
    cases.push({ caseId: each.id, submissionId: submission.id, skipped: null, fullMarksPossible: fullMarksPossible(each, files, request.sample) });
  }
  return platform.recordRobustnessCheck(actor, {
    courseId: request.courseId,
    assignmentId: request.assignmentId,
    partId: request.partId,
    graderVersionId: request.graderVersionId,
    cases,
  });
}

async function requireVersion(platform: Platform, actor: Actor, request: ServerCheckRequest): Promise<GraderVersion> {
  const versions = await platform.listGraderVersions(actor, request.courseId, request.assignmentId, request.partId);
  const version = versions.find((v) => v.id === request.graderVersionId);
  if (!version) throw new NotFound(`no grader version ${request.graderVersionId} of part ${request.partId}`);
  return version;
}

async function* inMemoryParts(files: readonly CaseFile[]): AsyncGenerator<IncomingPart> {
  for (const file of files) yield { field: 'file', filename: file.path, stream: Readable.from([Buffer.from(file.content)]) };
}

/** A case of the report: judged once graded; `pending` says what it waits for until then. */
export type ServerCaseReport = CaseReport & { pending: string | null };

export interface ServerCheckReport {
  check: RobustnessCheck;
  cases: ServerCaseReport[];
  /** Of the cases that are finished. */
  summary: CheckSummary;
  /** Every case is judged or skipped. */
  done: boolean;
}

/** The check's report now, through Platform (the caller's rights). */
export async function serverCheckReport(platform: Platform, actor: Actor, checkId: string): Promise<ServerCheckReport> {
  const check = await platform.getRobustnessCheck(actor, checkId);
  const cases = await Promise.all(
    check.cases.map(async (recorded): Promise<ServerCaseReport> => {
      const hostile = HOSTILE_CASES.find((c) => c.id === recorded.caseId) ?? { id: recorded.caseId, title: recorded.caseId, expect: '', files: () => [] };
      if (recorded.submissionId === null) return { ...skipped(hostile, recorded.skipped ?? 'not run'), pending: null };
      const submission = await platform.getSubmission(actor, recorded.submissionId);
      const part = submission.parts.find((p) => p.partId === check.partId);
      if (part?.result == null) {
        return { ...skipped(hostile, 'not graded yet'), submissionId: submission.id, pending: part?.job?.phase ?? 'queued' };
      }
      const report = reportCase(hostile, {
        submissionId: submission.id,
        result: part.result.full,
        submissionFiles: submission.files.map((f) => f.path),
        fullMarksPossible: recorded.fullMarksPossible,
      });
      return { ...report, pending: null };
    }),
  );
  const finished = cases.filter((c) => c.pending === null);
  return { check, cases, summary: summarize(finished), done: finished.length === cases.length };
}

/** Reads an uploaded sample's files back from the blob store, for deriving the cases. */
export async function sampleFromBlobs(blobs: BlobStore, files: readonly SubmissionFile[]): Promise<CaseFile[]> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_CHECK_SAMPLE_BYTES) throw new InvalidInput(`the sample has ${total} bytes; a robustness check takes at most ${MAX_CHECK_SAMPLE_BYTES} (each case carries a copy)`, { field: 'sample' });
  return Promise.all(
    files.map(async (file) => {
      const chunks: Buffer[] = [];
      for await (const chunk of blobs.open(file.digest)) chunks.push(chunk as Buffer);
      return { path: file.path, content: Buffer.concat(chunks) };
    }),
  );
}
