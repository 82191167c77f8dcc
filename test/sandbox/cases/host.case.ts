import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { run, sh, type SuiteContext } from './context.ts';

/** Host pids whose command line is exactly `argv` (a run's process, as the host sees it). */
async function hostPids(argv: string[]): Promise<number[]> {
  const wanted = `${argv.join('\0')}\0`;
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'latin1').catch(() => '');
    if (cmdline === wanted) pids.push(Number(name));
  }
  return pids;
}

/** Runs `script` with /bin/sh as host uid/gid 1000 with no groups (a host account, not root). */
function asHostUser(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', '--', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

/** What a run learns about the host, and what the host's accounts can do to a run. */
export function defineHostCases(ctx: SuiteContext): void {
  describe('the host', () => {
    it("tells a run nothing of the host's paths, boot line, hardware or memory size", async () => {
      const outcome = await run(ctx, {
        limits: { memoryMiB: 200 },
        argv: sh(`cat /proc/self/mountinfo; echo ===
          wc -c < /proc/cmdline; echo ===
          ls /sys/class/dmi/id 2>/dev/null | wc -l; cat /sys/devices/virtual/dmi/id/product_name 2>/dev/null; echo ===
          grep -E '^(MemTotal|MemAvailable|SwapTotal):' /proc/meminfo`),
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      const [mountinfo = '', cmdline = '', dmi = '', meminfo = ''] = outcome.stdout.text.split('===\n');
      for (const path of [ctx.image().rootfs, ...ctx.hostPaths()]) expect(mountinfo, path).not.toContain(path);
      expect(cmdline.trim()).toBe('0');
      expect(dmi.trim()).toBe('0');
      const kib = 200 * 1024;
      expect(meminfo.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(new RegExp(`^MemTotal:\\s+${kib} kB$`)), expect.stringMatching(new RegExp(`^MemAvailable:\\s+${kib} kB$`)),
        expect.stringMatching(/^SwapTotal:\s+0 kB$/),
      ]);
    });

    it.runIf(process.geteuid?.() === 0)('keeps a host account with the grader\'s uid out: no signals, no /proc access, no files', async () => {
      // The grader's uid inside is 1000, the uid of a host account here (or of none: the test
      // makes its own process with that uid either way).
      const marker = ['sleep', '31.4159'];
      const running = run(ctx, {
        argv: sh(`echo '{"fractionalScore": 0, "feedback": "wrong"}' > /shared/feedback.json; exec ${marker.join(' ')}`),
        outputs: ['/shared/feedback.json'],
        limits: { timeoutSeconds: 20 },
      });
      let pids: number[] = [];
      for (let i = 0; i < 200 && pids.length === 0; i++) {
        await sleep(50);
        pids = await hostPids(marker);
      }
      expect(pids).toHaveLength(1);
      const pid = pids[0] ?? 0;
      // On the host, the grader's uid 1000 is an id of gradebox's range (or of Docker's remap).
      expect((await stat(`/proc/${pid}`)).uid).toBeGreaterThan(65535);
      const report = await asHostUser(`
        kill -STOP ${pid} 2>/dev/null && echo STOPPED
        kill -0 ${pid} 2>/dev/null && echo SIGNALLED
        ls /proc/${pid}/root/ >/dev/null 2>&1 && echo ROOT-LISTED
        cat /proc/${pid}/root/shared/feedback.json 2>/dev/null && echo FEEDBACK-READ
        echo '{"fractionalScore": 1, "feedback": "forged"}' > /proc/${pid}/root/shared/feedback.json 2>/dev/null && echo FEEDBACK-FORGED
        cat /proc/${pid}/environ >/dev/null 2>&1 && echo ENVIRON-READ
        ls /proc/${pid}/fd >/dev/null 2>&1 && echo FDS-LISTED
        echo done`);
      expect(report).toBe('done\n');
      const ended = await Promise.race([running.then(() => 'ended'), sleep(500).then(() => 'still running')]);
      expect(ended).toBe('still running');
      // Kill the sleep from the host as root: the run then ends normally with its own feedback.
      process.kill(pid, 'SIGKILL');
      const outcome = await running;
      expect(outcome.outputs['/shared/feedback.json']).toEqual({ ok: true, data: Buffer.from('{"fractionalScore": 0, "feedback": "wrong"}\n') });
    });
  });
}
