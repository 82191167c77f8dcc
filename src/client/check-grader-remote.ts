/**
 * `gradebox check-grader --remote COURSE ASSIGNMENT PART`: the hostile cases (src/grader-check/)
 * sent as author test runs pinned to a grader version on the server (default the newest draft),
 * graded there by its workers with the version's limits, and judged here from the full results.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reportCase, selectCases, skipped, summarize, type CaseReport, type CheckSummary } from '../grader-check/check-report.ts';
import { fullMarksPossible, writeCase, type CaseFile } from '../grader-check/hostile-cases.ts';
import type { GraderVersion } from '../platform/model.ts';
import type { ApiClient } from './api-client.ts';
import { runAuthorTests, testedVersion, type GraderTarget } from './author-test-runs.ts';
import type { VersionChoice, VersionWanted } from './choose-version.ts';

export interface RemoteCheckOptions {
  target: GraderTarget;
  /** Default: the newest draft. */
  wanted?: VersionWanted;
  /** The sample's files (read by the caller), to derive the cases from. */
  sample: readonly CaseFile[];
  cases?: readonly string[];
  /** Keep each case's files in `<saveDir>/<case id>/` (`--save-cases`); by default they are removed. */
  saveDir?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (state: { done: number; total: number; phases: string }) => void;
}

export interface RemoteCheck {
  target: GraderTarget;
  version: GraderVersion;
  chosenBy: VersionChoice['chosenBy'];
  cases: CaseReport[];
  summary: CheckSummary;
}

export async function checkGraderRemote(client: ApiClient, options: RemoteCheckOptions): Promise<RemoteCheck> {
  const hostile = selectCases(options.cases);
  // A missing part, version or draft fails here, before any case is written or sent.
  const wanted = options.wanted ?? { draft: true };
  const choice = await testedVersion(client, options.target, wanted);
  const sent = hostile.filter((c) => c.notRemote === undefined);
  const work = options.saveDir ?? await mkdtemp(path.join(tmpdir(), 'gradebox-check-remote-'));
  try {
    const files = new Map<string, CaseFile[]>();
    for (const each of sent) {
      files.set(each.id, each.files(options.sample));
      await writeCase(path.join(work, each.id), files.get(each.id)!);
    }
    const tested = await runAuthorTests(client, options.target, sent.map((c) => ({ label: c.id, paths: [path.join(work, c.id)] })), {
      wanted: { version: choice.version.id },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const cases = hostile.map((each): CaseReport => {
      if (each.notRemote !== undefined) return skipped(each, each.notRemote);
      const run = tested.runs.find((r) => r.label === each.id);
      if (run === undefined) throw new Error(`case ${each.id} was not run`);
      if (run.refused) return reportCase(each, { refused: run.refused });
      const caseFiles = files.get(each.id) ?? [];
      return reportCase(each, {
        submissionId: run.submission.id,
        result: run.outcome.result?.full ?? null,
        submissionFiles: caseFiles.map((f) => f.path),
        fullMarksPossible: fullMarksPossible(each, caseFiles, options.sample),
      });
    });
    return { target: options.target, version: choice.version, chosenBy: choice.chosenBy, cases, summary: summarize(cases) };
  } finally {
    if (options.saveDir === undefined) await rm(work, { recursive: true, force: true });
  }
}
