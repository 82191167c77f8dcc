import { describe, expect, it } from 'vitest';
import { run, sh, type SuiteContext } from './context.ts';

/** Output files are read from the host side without trusting anything the run controls. */
export function defineOutputCases(ctx: SuiteContext): void {
  describe('output files', () => {
    it('reads regular files and rejects everything else with a clear message', async () => {
      const outcome = await run(ctx, {
        argv: sh(`cd /shared
          echo '{"fractionalScore":1,"feedback":"ok"}' > feedback.json
          ln -s /etc/shadow shadow.json
          mkfifo fifo.json
          mkdir dir.json
          truncate -s 2G sparse.json
          head -c 1025 /dev/zero > big.json
          head -c 1024 /dev/zero > exact.json
          mkdir real && echo inner > real/x.json && ln -s /etc parent
          echo outside > /home/grader/out.json`),
        outputFileCapBytes: 1024,
        outputs: [
          '/shared/feedback.json', '/shared/missing.json', '/shared/shadow.json', '/shared/fifo.json', '/shared/dir.json',
          '/shared/sparse.json', '/shared/big.json', '/shared/exact.json', '/shared/real/x.json', '/shared/parent/passwd',
          '/shared/nodir/x.json', '/home/grader/out.json',
        ],
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      const out = outcome.outputs;
      expect(out['/shared/feedback.json']).toEqual({ ok: true, data: Buffer.from('{"fractionalScore":1,"feedback":"ok"}\n') });
      expect(out['/shared/exact.json']).toEqual({ ok: true, data: Buffer.alloc(1024) });
      expect(out['/shared/real/x.json']).toEqual({ ok: true, data: Buffer.from('inner\n') });
      expect(out['/shared/missing.json']).toMatchObject({ ok: false, missing: true });
      expect(out['/shared/nodir/x.json']).toMatchObject({ ok: false, missing: true });
      const rejected = (path: string, message: RegExp): void => {
        expect(out[path], path).toMatchObject({ ok: false, missing: false });
        const error = (out[path] as { error: string }).error;
        expect(error, path).toMatch(message);
        expect(error, path).toContain(path);
      };
      rejected('/shared/shadow.json', /symbolic link/);
      rejected('/shared/fifo.json', /FIFO/);
      rejected('/shared/dir.json', /directory/);
      rejected('/shared/sparse.json', /2147483648 bytes, larger than the 1024-byte limit/);
      rejected('/shared/big.json', /1025 bytes, larger than the 1024-byte limit/);
      rejected('/shared/parent/passwd', /parent \/parent is a symbolic link/);
      rejected('/home/grader/out.json', /not inside a volume/);
    });
  });
}
