import { describe, expect, it } from 'vitest';
import { containerPath, locateInVolume, orderVolumes } from '../../src/sandbox/container-path.ts';

describe('container paths', () => {
  it('normalizes and rejects unsafe paths', () => {
    expect(containerPath('/shared//x/', 'p')).toBe('/shared/x');
    for (const bad of ['x', '/', '/a/../b', '/proc', '/sys/x', '/dev/shm', '/a\0b']) expect(() => containerPath(bad, 'p')).toThrow(RangeError);
  });

  it('orders volumes parent first and finds the deepest volume for a path', () => {
    const volumes = orderVolumes([
      { target: '/shared/submission', readOnly: true, owner: 'root' },
      { target: '/shared', readOnly: false, owner: 'user' },
    ]);
    expect(volumes.map((v) => [v.target, v.index])).toEqual([['/shared', 1], ['/shared/submission', 0]]);
    expect(locateInVolume('/shared/submission/a/b', volumes)).toMatchObject({ volume: { index: 0 }, relative: 'a/b' });
    expect(locateInVolume('/shared/feedback.json', volumes)).toMatchObject({ volume: { index: 1 }, relative: 'feedback.json' });
    expect(locateInVolume('/sharedx/y', volumes)).toBeUndefined();
    expect(locateInVolume('/shared', volumes)).toBeUndefined();
    expect(() => orderVolumes([{ target: '/a', readOnly: true, owner: 'root' }, { target: '/a/', readOnly: true, owner: 'root' }])).toThrow(/two volumes/);
  });
});
