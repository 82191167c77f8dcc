/** `gradebox upload`'s check of the requested limits against the server's ranges, before uploading. */
import { describe, expect, it } from 'vitest';
import { checkLimits, type LimitNames } from '../../src/client/grader-limits.ts';
import { DEFAULT_GRADER_LIMIT_RANGES } from '../../src/platform/model.ts';

const NAMES: LimitNames = { cpus: '--grader-cpu', memoryMiB: '--grader-memory-limit', timeoutSeconds: '--grading-timeout' };

describe('checkLimits', () => {
  it('nothing asked, or everything inside the ranges (edges included): no problem', () => {
    expect(checkLimits({}, DEFAULT_GRADER_LIMIT_RANGES, NAMES)).toEqual([]);
    expect(checkLimits({ cpus: 1, memoryMiB: 4096, timeoutSeconds: 3600 }, DEFAULT_GRADER_LIMIT_RANGES, NAMES)).toEqual([]);
    expect(checkLimits({ cpus: 2.5, memoryMiB: 1024, timeoutSeconds: 1 }, DEFAULT_GRADER_LIMIT_RANGES, NAMES)).toEqual([]);
  });

  it('one message per limit out of range, naming the option as typed and the range allowed', () => {
    expect(checkLimits({ cpus: 0.5, memoryMiB: 8192, timeoutSeconds: 7200 }, DEFAULT_GRADER_LIMIT_RANGES, NAMES)).toEqual([
      { limit: 'cpus', message: '--grader-cpu 0.5 is outside what this server allows: 1 to 4' },
      { limit: 'memoryMiB', message: '--grader-memory-limit 8192 MiB is outside what this server allows: 1024 MiB to 4096 MiB' },
      { limit: 'timeoutSeconds', message: '--grading-timeout 7200 s is outside what this server allows: 1 s to 3600 s' },
    ]);
  });

  it("uses the server's ranges, and refuses fractions of MiB and seconds", () => {
    const ranges = { cpus: { min: 0.5, max: 16 }, memoryMiB: { min: 256, max: 65536 }, timeoutSeconds: { min: 10, max: 60, default: 30 } };
    expect(checkLimits({ cpus: 0.5, memoryMiB: 256 }, ranges, NAMES)).toEqual([]);
    expect(checkLimits({ timeoutSeconds: 5, memoryMiB: 300.5 }, ranges, NAMES).map((p) => p.message)).toEqual([
      '--grader-memory-limit 300.5 MiB is outside what this server allows: 256 MiB to 65536 MiB (whole numbers only)',
      '--grading-timeout 5 s is outside what this server allows: 10 s to 60 s',
    ]);
  });
});
