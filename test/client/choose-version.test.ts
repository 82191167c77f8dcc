/** Which grader version `grade remote` grades with. */
import { describe, expect, it } from 'vitest';
import { chooseVersion } from '../../src/client/choose-version.ts';
import { PreflightError } from '../../src/client/client-errors.ts';
import type { GraderStatus, GraderVersion, PartOutcome } from '../../src/platform/model.ts';

const version = (number: number, status: GraderStatus): GraderVersion => ({
  id: `gv_${number}`, courseId: 'c', assignmentId: 'a', partId: 'p', number, status, imageId: `sha256:${'0'.repeat(63)}${number}`,
  protocol: null, runAs: null, script: null, cpus: 1, memoryMiB: 1024, timeoutSeconds: 60, uploadedBy: 'ada', uploadedAt: '2026-01-01T00:00:00Z', publishedBy: null, publishedAt: null,
});
// Newest first, as the API lists them.
const VERSIONS = [version(4, 'draft'), version(3, 'draft'), version(2, 'published'), version(1, 'superseded')];
const outcome = (graderVersionId?: string): PartOutcome => ({
  partId: 'p',
  points: 10,
  job: graderVersionId === undefined ? null : {
    id: 'j', submissionId: 's', partId: 'p', graderVersionId, priority: 'student', phase: 'done', phases: {}, attempts: 1, lastError: null,
  },
  result: null,
});

describe('chooseVersion', () => {
  it("takes the version the part's job ran, so the stored result is reproduced", () => {
    expect(chooseVersion(VERSIONS, outcome('gv_1'), {})).toEqual({ version: VERSIONS[3], chosenBy: 'job' });
  });

  it('without a job: the published version', () => {
    expect(chooseVersion(VERSIONS, outcome(), {})).toEqual({ version: VERSIONS[2], chosenBy: 'published' });
  });

  it('--draft: the newest draft; --version: by id, number or vN', () => {
    expect(chooseVersion(VERSIONS, outcome('gv_1'), { draft: true })).toEqual({ version: VERSIONS[0], chosenBy: 'newest draft' });
    for (const wanted of ['gv_3', '3', 'v3']) expect(chooseVersion(VERSIONS, outcome('gv_1'), { version: wanted }).version.id).toBe('gv_3');
  });

  it('refuses what does not exist, listing the versions there are', () => {
    expect(() => chooseVersion(VERSIONS, outcome(), { version: '9' })).toThrow(PreflightError);
    expect(() => chooseVersion(VERSIONS, outcome(), { version: '9' })).toThrow('part p has no grader version "9"; its versions: v4 draft (gv_4), v3 draft (gv_3), v2 published (gv_2), v1 superseded (gv_1)');
    expect(() => chooseVersion([version(1, 'published')], outcome(), { draft: true })).toThrow(/no draft grader version \(upload one with `gradebox upload`\)/);
    expect(() => chooseVersion([version(1, 'draft')], outcome(), {})).toThrow(/no published grader version; use --draft or --version/);
    expect(() => chooseVersion(VERSIONS, outcome('gv_gone'), {})).toThrow(/graded by grader version gv_gone, which the server no longer lists/);
  });
});
