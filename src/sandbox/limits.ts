/** Resource limits for one sandboxed run. Every backend enforces all of them. */
export interface Limits {
  /** CPU time share; fractional values allowed (0.5 = half a core). */
  cpus: number;
  /** Memory limit in MiB; swap is set equal so the run cannot swap past it. */
  memoryMiB: number;
  /** Maximum number of processes and threads in the run. */
  pids: number;
  /** Wall-clock limit in seconds; on expiry the whole process tree is killed. */
  timeoutSeconds: number;
  /** Size of the writable layer over the read-only image root, in MiB. */
  writableMiB: number;
  /** Size of the /tmp tmpfs, in MiB. */
  tmpMiB: number;
  /** Bytes of each of stdout/stderr kept for the report; the rest is only counted. */
  outputCapBytes: number;
  /** Total bytes on stdout+stderr after which the run is stopped with reason `output-limit`. */
  outputLimitBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  cpus: 1,
  memoryMiB: 1024,
  pids: 256,
  timeoutSeconds: 1200,
  writableMiB: 512,
  tmpMiB: 256,
  outputCapBytes: 1024 * 1024,
  outputLimitBytes: 64 * 1024 * 1024,
});

/** The longest wall-clock limit a run can have, in seconds. */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Merges overrides into the defaults and rejects values no backend can honour. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof Limits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  const positive: (keyof Limits)[] = [
    'cpus', 'memoryMiB', 'pids', 'timeoutSeconds', 'writableMiB', 'tmpMiB', 'outputCapBytes', 'outputLimitBytes',
  ];
  for (const key of positive) {
    const value = limits[key];
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`limit ${key} must be a positive number, got ${String(value)}`);
    }
  }
  // Node timers hold at most 2^31-1 ms; a longer delay fires at once, which would end every run.
  if (limits.timeoutSeconds > MAX_TIMEOUT_SECONDS) {
    throw new RangeError(`limit timeoutSeconds must be at most ${MAX_TIMEOUT_SECONDS} (about 24 days), got ${limits.timeoutSeconds}`);
  }
  if (limits.memoryMiB < 6) throw new RangeError(`limit memoryMiB must be at least 6 MiB, got ${limits.memoryMiB}`);
  return limits;
}
