/** Builders for run outcomes and contexts, so protocol tests need no sandbox. */
import type { ImageConfig } from '../../src/image/image.ts';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import type { CapturedOutput, OutputFile, RunOutcome } from '../../src/sandbox/sandbox.ts';
import type { InterpretContext, PlanContext } from '../../src/grader/protocol.ts';

export function captured(text = ''): CapturedOutput {
  return { text, bytes: Buffer.byteLength(text), truncated: false };
}

export function file(content: string | Uint8Array): OutputFile {
  return { ok: true, data: Buffer.from(content) };
}

export const MISSING: OutputFile = { ok: false, missing: true, error: 'no such file' };

export function refused(error: string): OutputFile {
  return { ok: false, missing: false, error };
}

export function outcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    reason: 'exited',
    exitCode: 0,
    signal: null,
    stdout: captured(),
    stderr: captured(),
    usage: { wallMs: 120, cpuMs: 80, peakMemoryBytes: 5_000_000 },
    outputs: {},
    ...overrides,
  };
}

export function imageConfig(overrides: Partial<ImageConfig> = {}): ImageConfig {
  return { entrypoint: [], cmd: [], env: [], workingDir: '', user: '', labels: {}, ...overrides };
}

export function planContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    image: imageConfig({ entrypoint: ['/bin/sh', '/grader/grade.sh'], env: ['PATH=/bin', 'LANG=C.UTF-8'], workingDir: '/grader' }),
    submissionTree: '/host/submissions/42',
    args: [],
    env: {},
    student: { id: 'learner-7', name: 'Ada', email: 'ada@example.org' },
    submission: { id: 42, createdAt: new Date('2025-03-01T10:00:00Z') },
    ...overrides,
  };
}

export function interpretContext(overrides: Partial<InterpretContext> = {}): InterpretContext {
  return { limits: resolveLimits({ timeoutSeconds: 30, memoryMiB: 256, outputLimitBytes: 8 * 1024 * 1024 }), ...overrides };
}
