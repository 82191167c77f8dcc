import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grade, type GradeRequest } from '../../src/grader/grade.ts';
import { gradeStored } from '../../src/grader/grade-stored.ts';
import { RESULTS_FILE } from '../../src/grader/protocols/gradescope.ts';
import { COMPRESS_FROM_BYTES, encodeResult, storedJson } from '../../src/grader/stored-result.ts';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import type { RunOutcome, RunSpec, Sandbox } from '../../src/sandbox/sandbox.ts';
import { file, imageConfig, outcome } from './helpers.ts';

/** Answers every run with one scripted outcome (the sandbox itself is tested on its own). */
class ScriptedSandbox implements Sandbox {
  readonly name = 'scripted';
  readonly answer: RunOutcome;
  constructor(answer: RunOutcome) {
    this.answer = answer;
  }
  async run(_spec: RunSpec): Promise<RunOutcome> {
    return this.answer;
  }
  async cleanupStale(): Promise<void> {}
}

let submissionDir: string;
beforeEach(async () => {
  submissionDir = await mkdtemp(join(tmpdir(), 'gradebox-stored-'));
  await writeFile(join(submissionDir, 'answer.txt'), '55\n');
});
afterEach(async () => {
  await rm(submissionDir, { recursive: true, force: true });
});

function request(): GradeRequest {
  return {
    image: { id: 'sha256:abc', config: imageConfig({ entrypoint: ['/g'] }) },
    rootfs: join(submissionDir, 'no-root'),
    submissionDir,
    protocol: 'gradescope',
    assignment: { totalPoints: 20 },
  };
}

function withResults(text: string): ScriptedSandbox {
  return new ScriptedSandbox(outcome({ outputs: { [RESULTS_FILE]: file(text) } }));
}

/** A stored result read back, with the run times (which differ between two gradings) left out. */
function readBack(stored: { json: string; gzip: Uint8Array | null }): GradeResult {
  return JSON.parse(storedJson(stored)) as GradeResult;
}

describe('gradeStored', () => {
  const doc = JSON.stringify({ tests: Array.from({ length: 300 }, (_, i) => ({ name: `t${i}`, score: i % 2, max_score: 1, output: 'o'.repeat(300) })) });

  it('stores what grade() returns, on the event loop or on a thread alike', async () => {
    const sandbox = withResults(doc);
    const expected = await grade(request(), { sandbox });
    const inline = await gradeStored(request(), { sandbox }, undefined, { threadFromBytes: Infinity });
    const threaded = await gradeStored(request(), { sandbox }, undefined, { threadFromBytes: 0 });
    for (const stored of [inline, threaded]) {
      expect(stored).toMatchObject({ status: 'graded', score: 0.5 });
      expect(readBack(stored)).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('compresses big results and keeps small ones as plain JSON', async () => {
    const big = await gradeStored(request(), { sandbox: withResults(doc) });
    expect(big.json).toBe('');
    expect(big.gzip!.byteLength).toBeLessThan(COMPRESS_FROM_BYTES);
    const small = await gradeStored(request(), { sandbox: withResults('{"score": 5}') });
    expect(small).toMatchObject({ status: 'graded', score: 0.25, gzip: null });
    expect(readBack(small).points).toEqual({ earned: 5, possible: 20 });
  });

  it('refuses 1.5 million empty tests on the thread with one message', async () => {
    const huge = `{"score": 0, "tests": [${Array.from({ length: 1_500_000 }, () => '{}').join(',')}]}`;
    const stored = await gradeStored(request(), { sandbox: withResults(huge) });
    expect(stored).toMatchObject({ status: 'grader-error', score: null });
    expect(readBack(stored).errors).toEqual([
      `${RESULTS_FILE}: tests has 1500000 entries; gradebox accepts at most 10000 tests per result (group related checks into one test, with the details in its output)`,
    ]);
  });

  it("turns a thread that runs out of its heap into a grader-error, not an exception", async () => {
    const huge = `{"score": 0, "tests": [${Array.from({ length: 1_500_000 }, () => '{"name": "x"}').join(',')}]}`;
    const stored = await gradeStored(request(), { sandbox: withResults(huge) }, undefined, { threadHeapMiB: 16 });
    expect(stored).toMatchObject({ status: 'grader-error', score: null });
    expect(readBack(stored).errors).toEqual([expect.stringMatching(/^reading the grader's output \(\d+(\.\d)? MiB\) took more than gradebox's 16 MiB for it; write a smaller result$/) as unknown]);
  });
});

describe('encodeResult', () => {
  it('stores a result JSON cannot write as a grader-error, keeping the captured output', async () => {
    const result = await grade(request(), { sandbox: withResults('{"score": 1}') });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const stored = encodeResult({ ...result, extraData: cyclic });
    expect(stored).toMatchObject({ status: 'grader-error', score: null });
    const back = readBack(stored);
    expect(back.errors).toEqual([expect.stringMatching(/^the result could not be stored \(.*circular.*\)/i) as unknown]);
    expect(back).not.toHaveProperty('extraData');
    expect(back.output.stdout).toEqual(result.output.stdout);
  });
});
