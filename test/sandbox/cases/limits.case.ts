import { describe, expect, it } from 'vitest';
import { MiB, run, sh, type SuiteContext } from './context.ts';

/**
 * How long a run may last past the moment it should stop (its timeout, an abort, an output
 * limit): a second to kill it, plus twice what a trivial run costs on this backend right now
 * (starting and removing the container), measured in the same test, so a slower or busier machine
 * gets more time rather than a failure.
 */
async function stopSlackMs(ctx: SuiteContext): Promise<number> {
  const trivial = await run(ctx, { argv: sh('exit 0') });
  return 1000 + 2 * trivial.usage.wallMs;
}

/**
 * A fixed amount of CPU work measured in CPU time, not in loop turns: the shell spins until it has
 * used `ms` of CPU by its own count (utime + stime in /proc/self/stat, in 10 ms ticks), so it is
 * the same amount on a fast machine and a slow one; a busy machine stretches only the wall time.
 */
const burnCpu = (ms: number): string => `t=${Math.ceil(ms / 10)}; while read -r s < /proc/self/stat; set -- $s; [ $((\${14} + \${15})) -lt $t ]; do :; done`;

/** Timeouts, process, memory and output limits, abort, and the usage figures. */
export function defineLimitCases(ctx: SuiteContext): void {
  describe('limits', () => {
    it.each([
      ['an infinite loop', 'while :; do :; done'],
      ['a long sleep', 'sleep 600'],
    ])('stops %s at the timeout', async (_, script) => {
      const slack = await stopSlackMs(ctx);
      const outcome = await run(ctx, { argv: sh(script), limits: { timeoutSeconds: 1 } });
      expect(outcome).toMatchObject({ reason: 'timeout', exitCode: null, signal: 'SIGKILL' });
      expect(outcome.usage.wallMs).toBeGreaterThanOrEqual(1000);
      expect(outcome.usage.wallMs).toBeLessThan(1000 + slack);
    });

    it('kills the whole tree at the timeout: setsid, double fork, SIGTERM ignored, SIGSTOPped', async () => {
      const slack = await stopSlackMs(ctx);
      const outcome = await run(ctx, {
        argv: sh(`setsid sleep 600 &
          (sh -c 'sleep 600 & exit 0' &)
          sh -c 'trap "" TERM HUP INT; while :; do sleep 1; done' &
          sh -c 'kill -STOP $$; sleep 600' &
          nohup sleep 600 >/dev/null 2>&1 &
          sleep 600`),
        limits: { timeoutSeconds: 1 },
      });
      expect(outcome.reason).toBe('timeout');
      expect(outcome.usage.wallMs).toBeLessThan(1000 + slack);
      // The leftovers check after each case proves that no process survived.
    });

    it('kills detached children when the main process exits first', async () => {
      // Had the children held the run, it would have ended at its timeout, as `timeout`.
      const outcome = await run(ctx, { argv: sh('setsid sh -c "sleep 600" & (sleep 600 &) ; exit 0'), limits: { timeoutSeconds: 60 } });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
    });

    it('caps the number of processes', async () => {
      const outcome = await run(ctx, {
        // The inner shell forks until it fails (busybox sh then exits); the outer one counts with
        // builtins only, as nothing else can start once the limit is reached.
        argv: sh('sh -c "while :; do sleep 30 & done" 2>/dev/null; set -- /proc/[0-9]*; echo $#'),
        limits: { pids: 24, timeoutSeconds: 5 },
      });
      expect(outcome.reason).toBe('exited');
      expect(Number(outcome.stdout.text.trim())).toBeLessThanOrEqual(24);
      expect(Number(outcome.stdout.text.trim())).toBeGreaterThan(10);
    });

    it('contains a fork bomb until the timeout', async () => {
      const slack = await stopSlackMs(ctx);
      const outcome = await run(ctx, { argv: sh('bomb() { bomb | bomb & }; bomb; sleep 600'), limits: { pids: 32, timeoutSeconds: 2 } });
      expect(outcome.reason).toBe('timeout');
      expect(outcome.usage.wallMs).toBeLessThan(2000 + slack);
    });

    it('ends a memory bomb with out-of-memory', async () => {
      const outcome = await run(ctx, { argv: sh('dd if=/dev/zero of=/dev/null bs=128M count=1'), limits: { memoryMiB: 32 } });
      expect(outcome.reason).toBe('out-of-memory');
      expect(outcome.usage.peakMemoryBytes).toBeGreaterThan(24 * MiB);
      expect(outcome.usage.peakMemoryBytes).toBeLessThanOrEqual(32 * MiB);
    });

    it.each(['stdout', 'stderr'] as const)('stops an output flood on %s at the output limit', async (stream) => {
      const slack = await stopSlackMs(ctx);
      const outcome = await run(ctx, {
        argv: sh(stream === 'stdout' ? 'yes' : 'yes >&2'),
        limits: { outputCapBytes: 1000, outputLimitBytes: 200_000, timeoutSeconds: 10 },
      });
      expect(outcome.reason).toBe('output-limit');
      const flooded = outcome[stream];
      expect(flooded.text).toBe('y\n'.repeat(500));
      expect(flooded.truncated).toBe(true);
      expect(flooded.bytes).toBeGreaterThan(200_000);
      // Stopped at the limit, long before its 10 s timeout.
      expect(outcome.usage.wallMs).toBeLessThan(slack);
    });

    it('stops the run when aborted', async () => {
      const slack = await stopSlackMs(ctx);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const outcome = await run(ctx, { argv: sh('trap "" TERM; sleep 600') }, controller.signal);
      expect(outcome).toMatchObject({ reason: 'killed', exitCode: null });
      expect(outcome.usage.wallMs).toBeLessThan(300 + slack);
    });

    it.each([0, 15, 40])('stops a run aborted %i ms in, while the container may still be starting', async (delay) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), delay);
      const outcome = await run(ctx, { argv: sh('sleep 600') }, controller.signal);
      expect(outcome.reason).toBe('killed');
      // The leftovers check matters most here: nothing half-started may linger.
    });

    it('reports a run aborted before it started as killed', async () => {
      const outcome = await run(ctx, { argv: sh('sleep 600') }, AbortSignal.abort());
      expect(outcome.reason).toBe('killed');
    });

    it('reports plausible CPU time and peak memory', async () => {
      const outcome = await run(ctx, {
        argv: sh(`dd if=/dev/zero of=/dev/null bs=40M count=1 2>/dev/null; ${burnCpu(300)}`),
        limits: { memoryMiB: 128 },
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      const { cpuMs, wallMs, peakMemoryBytes } = outcome.usage;
      // The cgroup's count agrees with the shell's own (ticks are sampled: a little under is fine).
      expect(cpuMs).toBeGreaterThanOrEqual(250);
      expect(cpuMs).toBeLessThanOrEqual(wallMs + 50);
      expect(peakMemoryBytes).toBeGreaterThan(40 * MiB);
      expect(peakMemoryBytes).toBeLessThan(128 * MiB);
    });

    it('holds a fractional CPU limit', async () => {
      const outcome = await run(ctx, { argv: sh(burnCpu(600)), limits: { cpus: 0.5 } });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      const { cpuMs, wallMs } = outcome.usage;
      expect(cpuMs).toBeGreaterThanOrEqual(500);
      // Half a CPU, 50 ms per 100 ms period: 600 ms of CPU take at least 11 periods, about 1.1 s;
      // unlimited they would take 0.6 s. A busy machine can only stretch the wall time further.
      expect(wallMs).toBeGreaterThan(cpuMs * 1.6);
    });
  });
}
