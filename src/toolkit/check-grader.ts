/**
 * `gradebox check-grader IMAGE`: grades each hostile case (src/grader-check/) with a local image,
 * through the same import, sandbox and `grade()` as `grade local`, and judges each result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { grade } from '../grader/grade.ts';
import type { Protocol } from '../grader/grade-result.ts';
import { selectCases, summarize, type CaseReport, type CheckSummary } from '../grader-check/check-report.ts';
import { fullMarksPossible, writeCase } from '../grader-check/hostile-cases.ts';
import { sampleFiles } from '../grader-check/sample.ts';
import { judge } from '../grader-check/judge.ts';
import { graderDirsOf } from '../grader-check/leaks.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import type { Limits } from '../sandbox/limits.ts';
import type { SandboxBackend } from '../sandbox/open-sandbox.ts';
import type { RunUser } from '../sandbox/sandbox.ts';
import { refuseBuildContext } from './build-context.ts';
import { gradeboxHome, imageStoreDir, sandboxStateDir } from './gradebox-home.ts';
import { openStoreSandbox } from './store-sandbox.ts';

/** Per case: long enough for a grader that compiles, short enough that a grader without a timeout of its own shows soon. */
export const CHECK_TIMEOUT_SECONDS = 120;

export interface CheckGraderOptions {
  /** Tarball, OCI layout or daemon image name, as `grade local` takes. */
  image: string;
  /** A good submission to derive the cases from (`--sample`). */
  sampleDir?: string;
  /** Only these cases (`--case`); default every one. */
  cases?: readonly string[];
  partId?: string;
  points?: number;
  env?: Record<string, string>;
  protocol?: Protocol;
  user?: RunUser;
  limits: Partial<Limits>;
  backend: SandboxBackend;
  /** Defaults to `gradeboxHome()`. */
  home?: string;
  /** Keep each case's files in `<saveDir>/<case id>/` (`--save-cases`); by default they are removed. */
  saveDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Each case's report as soon as it is judged. */
  onCase?: (report: CaseReport) => void;
}

export interface LocalCheck {
  image: { id: string; source: string };
  sample: string | null;
  cases: CaseReport[];
  summary: CheckSummary;
}

export async function checkGraderLocal(options: CheckGraderOptions): Promise<LocalCheck> {
  const hostile = selectCases(options.cases);
  await refuseBuildContext(options.image, (name) => ['gradebox', 'check-grader', name]);
  const sample = options.sampleDir === undefined ? [] : await sampleFiles(options.sampleDir);
  const home = options.home ?? gradeboxHome();
  const store = new ImageStore(imageStoreDir(home));
  const progress = { signal: options.signal, onProgress: options.onProgress };
  const image = await store.import(options.image, progress);
  const rootfs = await store.rootfs(image, progress);
  const sandbox = await openStoreSandbox(store, options.backend, sandboxStateDir(home));
  const graderDirs = graderDirsOf(image.config);
  const work = options.saveDir ?? await mkdtemp(path.join(tmpdir(), 'gradebox-check-'));
  try {
    const cases: CaseReport[] = [];
    for (const [i, each] of hostile.entries()) {
      options.onProgress?.({ phase: `case ${i + 1} of ${hostile.length}: ${each.id}`, done: 0 });
      const files = each.files(sample);
      const dir = path.join(work, each.id);
      await writeCase(dir, files);
      const result = await grade(
        {
          image,
          rootfs,
          submissionDir: dir,
          ...(options.partId !== undefined ? { partId: options.partId } : {}),
          ...(options.points !== undefined ? { assignment: { totalPoints: options.points } } : {}),
          env: options.env ?? {},
          ...(options.protocol ? { protocol: options.protocol } : {}),
          ...(options.user !== undefined ? { user: options.user } : {}),
          limits: { timeoutSeconds: CHECK_TIMEOUT_SECONDS, ...options.limits },
        },
        { sandbox },
        options.signal,
      );
      if (options.saveDir === undefined) await rm(dir, { recursive: true, force: true });
      const judged = judge(result, { caseId: each.id, submissionFiles: files.map((f) => f.path), graderDirs, fullMarksPossible: fullMarksPossible(each, files, sample) });
      const report: CaseReport = { id: each.id, title: each.title, expect: each.expect, ...judged, result };
      cases.push(report);
      options.onCase?.(report);
    }
    return { image: { id: image.id, source: options.image }, sample: options.sampleDir ?? null, cases, summary: summarize(cases) };
  } finally {
    if (options.saveDir === undefined) await rm(work, { recursive: true, force: true });
  }
}
