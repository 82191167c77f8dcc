import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { OutputCapture } from '../../src/sandbox/output-capture.ts';

describe('OutputCapture', () => {
  it('keeps the first capBytes of each stream, counts the rest and reports the limit once', async () => {
    const onLimit = vi.fn();
    const capture = new OutputCapture({ capBytes: 5, limitBytes: 16, onLimit });
    const out = new PassThrough();
    const err = new PassThrough();
    capture.attach(out, 'stdout');
    capture.attach(err, 'stderr');
    out.write('hello world');
    err.write('oops');
    await tick();
    expect(onLimit).not.toHaveBeenCalled();
    err.write('!!');
    out.write('more');
    await tick();
    expect(onLimit).toHaveBeenCalledTimes(1);
    expect(capture.limitExceeded).toBe(true);
    expect(capture.result()).toEqual({
      stdout: { text: 'hello', bytes: 15, truncated: true },
      stderr: { text: 'oops!', bytes: 6, truncated: true },
    });
  });

  it('does not split a multibyte character at the cap', async () => {
    const capture = new OutputCapture({ capBytes: 4, limitBytes: 100, onLimit: () => undefined });
    const out = new PassThrough();
    capture.attach(out, 'stdout');
    out.write('abc☃');
    await tick();
    expect(capture.result().stdout).toEqual({ text: 'abc', bytes: 6, truncated: true });
  });
});
