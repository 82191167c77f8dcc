/**
 * Robustness checks run on the server (src/grader-check/server-check.ts, src/platform/robustness-checks.ts)
 * on both databases: the hostile cases become author-test submissions pinned to the version, the
 * cases the server cannot take are skipped with why, the report is derived from the cases'
 * results (pending until graded, then judged like `check-grader --remote`); who may, and bad input.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORGED_FEEDBACK } from '../../src/grader-check/hostile-code.ts';
import { serverCheckReport, startServerCheck, type ServerCheckDeps } from '../../src/grader-check/server-check.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { BlobStore } from '../../src/image/blob-store.ts';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from '../../src/intake/intake-limits.ts';
import { Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { Actor, GraderVersion } from '../../src/platform/model.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, gradeResult, imageId, type Harness, useHarness } from '../platform/helpers.ts';

describe.each(databases)('robustness checks on the server on $name', (factory) => {
  let h: Harness;
  let dir: string;
  let deps: ServerCheckDeps;
  let ines: Actor;
  let draft: GraderVersion;
  useHarness(factory, (world) => ({ h } = world));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gradebox-server-check-'));
    deps = { platform: h.platform, blobs: new BlobStore(path.join(dir, 'blobs')), intakeLimits: DEFAULT_SUBMISSION_INTAKE_LIMITS };
    await course(h);
    draft = await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(2) });
    ines = await h.actor('ines');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const request = (cases: string[], graderVersionId = draft.id) => ({
    courseId: COURSE,
    assignmentId: ASSIGNMENT,
    partId: 'p1',
    graderVersionId,
    sample: [{ path: 'main.py', content: 'print(sum(range(11)))\n' }],
    cases,
  });

  it('submits the cases as author tests of the version and reports them as they are graded', async () => {
    const check = await startServerCheck(deps, ines, request(['no-files', 'empty-files', 'forged-result']));
    expect(check.id).toMatch(/^rbc_/);
    expect(check.cases.map((c) => [c.caseId, c.submissionId === null])).toEqual([['no-files', true], ['empty-files', false], ['forged-result', false]]);
    expect(check.cases[0]!.skipped).toContain('refuses a submission without files');
    const empty = await h.platform.getSubmission(ines, check.cases[1]!.submissionId!);
    expect(empty.kind).toBe('author-test');
    expect(empty.files).toEqual([expect.objectContaining({ path: 'main.py', size: 0 })]);
    expect(empty.parts.map((p) => [p.partId, p.job?.graderVersionId, p.job?.priority])).toEqual([['p1', draft.id, 'author-test']]);

    const pending = await serverCheckReport(h.platform, ines, check.id);
    expect(pending.done).toBe(false);
    expect(pending.cases.map((c) => [c.id, c.verdict, c.pending])).toEqual([['no-files', 'skipped', null], ['empty-files', 'skipped', 'queued'], ['forged-result', 'skipped', 'queued']]);
    expect(pending.summary).toEqual({ good: 0, bad: 0, skipped: 1, allHandled: true });

    const forged = await h.platform.getSubmission(ines, check.cases[2]!.submissionId!);
    await h.store.saveResult(empty.parts[0]!.job!.id, encodeResult(gradeResult({ score: 0, feedback: { text: 'main.py is empty: write your program in it', format: 'text' } })));
    await h.store.saveResult(forged.parts[0]!.job!.id, encodeResult(gradeResult({ score: 0.97, feedback: { text: FORGED_FEEDBACK, format: 'text' } })));
    const done = await serverCheckReport(h.platform, ines, check.id);
    expect(done.done).toBe(true);
    expect(done.cases.map((c) => [c.id, c.verdict])).toEqual([['no-files', 'skipped'], ['empty-files', 'good'], ['forged-result', 'bad']]);
    expect(done.cases[2]!.reasons.join(' ')).toContain('forged result');
    expect(done.summary).toEqual({ good: 1, bad: 1, skipped: 1, allHandled: false });

    const listed = await h.platform.listRobustnessChecks(ines, COURSE, ASSIGNMENT);
    expect(listed).toEqual([expect.objectContaining({ id: check.id, partId: 'p1', graderVersionId: draft.id, requestedBy: 'ines', caseCount: 3 })]);
    // TAs read reports too.
    expect((await serverCheckReport(h.platform, await h.actor('tara'), check.id)).check.id).toBe(check.id);
  });

  it('refuses students, unknown versions, parts, cases and checks, storing nothing', async () => {
    const sam = await h.actor('sam');
    await expect(startServerCheck(deps, sam, request(['empty-files']))).rejects.toThrow(Forbidden);
    await expect(startServerCheck(deps, ines, request(['empty-files'], 'gv_unknown'))).rejects.toThrow(NotFound);
    await expect(startServerCheck(deps, ines, { ...request(['empty-files']), partId: 'nope' })).rejects.toThrow(NotFound);
    await expect(startServerCheck(deps, ines, request(['no-such-case']))).rejects.toThrow(InvalidInput);
    await expect(startServerCheck(deps, ines, { ...request(['empty-files']), sample: [{ path: 'big.bin', content: Buffer.alloc(3 * 1024 * 1024) }] })).rejects.toThrow(/at most/);
    expect(await h.platform.listSubmissions(ines, COURSE, ASSIGNMENT)).toEqual([]);
    expect(await h.platform.listRobustnessChecks(ines, COURSE, ASSIGNMENT)).toEqual([]);

    const check = await startServerCheck(deps, ines, request(['empty-files']));
    await expect(h.platform.getRobustnessCheck(sam, check.id)).rejects.toThrow(Forbidden);
    await expect(h.platform.listRobustnessChecks(sam, COURSE, ASSIGNMENT)).rejects.toThrow(Forbidden);
    await expect(h.platform.getRobustnessCheck(ines, 'rbc_unknown')).rejects.toThrow(NotFound);
  });

  it('records only author tests of the assignment', async () => {
    const sam = await h.actor('sam');
    const own = await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [{ path: 'a.py', size: 1, digest: `sha256:${'0'.repeat(64)}` }] });
    const record = (submissionId: string | null) =>
      h.platform.recordRobustnessCheck(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', graderVersionId: draft.id, cases: [{ caseId: 'empty-files', submissionId, skipped: null, fullMarksPossible: false }] });
    await expect(record(own.id)).rejects.toThrow(InvalidInput);
    await expect(h.platform.recordRobustnessCheck(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', graderVersionId: draft.id, cases: [] })).rejects.toThrow(InvalidInput);
    await expect(h.platform.recordRobustnessCheck(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', graderVersionId: draft.id, cases: [] })).rejects.toThrow(Forbidden);
    const skippedOnly = await record(null);
    expect(skippedOnly.cases).toEqual([{ caseId: 'empty-files', submissionId: null, skipped: 'not run', fullMarksPossible: false }]);
  });
});
