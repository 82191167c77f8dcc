import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS, resolveIntakeLimits } from '../../src/intake/intake-limits.ts';
import { isTopFolder, normalizeSubmissionPath } from '../../src/intake/submission-path.ts';

const norm = (raw: string): string => normalizeSubmissionPath(raw, DEFAULT_SUBMISSION_INTAKE_LIMITS);

describe('normalizeSubmissionPath', () => {
  it('drops empty and `.` segments and trailing slashes, keeps case and odd but harmless names', () => {
    expect(norm('./src//Main.java')).toBe('src/Main.java');
    expect(norm('dir/')).toBe('dir');
    expect(norm('-rf ; $(x) ü.txt')).toBe('-rf ; $(x) ü.txt');
    expect(norm('...')).toBe('...');
  });

  it('refuses what could escape or confuse', () => {
    for (const bad of ['', '.', './', '..', 'a/..', '/a', 'C:/x', 'c:x', 'a\\b', 'a\u0000', 'a\tb', 'a\u007f', 'a\u0085', '\ud800']) {
      expect(() => norm(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ status: 400 }) as Error);
    }
  });
});

describe('isTopFolder', () => {
  it('is true only for the archive root entry', () => {
    expect(['.', './', '././', './/'].map(isTopFolder)).toEqual([true, true, true, true]);
    expect(['..', '../', './a', '.a', '/'].map(isTopFolder)).toEqual([false, false, false, false, false]);
  });
});

describe('resolveIntakeLimits', () => {
  it('fills in defaults and refuses nonsense', () => {
    expect(resolveIntakeLimits({ maxFiles: 5 })).toEqual({ ...DEFAULT_SUBMISSION_INTAKE_LIMITS, maxFiles: 5 });
    expect(resolveIntakeLimits({ ratioGraceBytes: 0 }).ratioGraceBytes).toBe(0);
    expect(() => resolveIntakeLimits({ maxFiles: 0 })).toThrow(RangeError);
    expect(() => resolveIntakeLimits({ maxUploadBytes: Number.NaN })).toThrow(RangeError);
  });
});
