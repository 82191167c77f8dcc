import { resolveLimits, type Limits } from '../../../src/sandbox/limits.ts';
import type { PreparedImage, RunOutcome, RunSpec, RunUser, Sandbox } from '../../../src/sandbox/sandbox.ts';

/** What every case group gets from `defineSandboxSuite`; valid inside tests and hooks. */
export interface SuiteContext {
  sandbox(): Sandbox;
  image(): PreparedImage;
  /** A fresh host directory for fixtures (removed by the suite). */
  hostDir(): Promise<string>;
  /** Who the runs of `run()` are, unless a case says otherwise; default uid/gid 1000. */
  user?: RunUser;
  /**
   * Host paths no run may learn anything about (the backend's state and live directories): they
   * must not appear in what a run can read of its mounts.
   */
  hostPaths(): string[];
}

export const ROOT: Readonly<RunUser> = Object.freeze({ uid: 0, gid: 0 });

export type SpecOverrides = Partial<Omit<RunSpec, 'limits'>> & { limits?: Partial<Limits> };

export const MiB = 1024 * 1024;

/** The argv for a busybox shell script. */
export const sh = (script: string): string[] => ['/bin/sh', '-c', script];

/**
 * A run spec with test-friendly defaults: uid/gid 1000, a user-owned writable /shared, small
 * limits and a 10 s timeout (hostile cases lower it to 1–2 s).
 */
export function makeSpec(image: PreparedImage, overrides: SpecOverrides = {}): RunSpec {
  const { limits, ...rest } = overrides;
  return {
    image,
    argv: ['/bin/true'],
    env: {},
    cwd: '/',
    user: { uid: 1000, gid: 1000 },
    volumes: [{ target: '/shared', readOnly: false, owner: 'user' }],
    files: [],
    outputs: [],
    outputFileCapBytes: MiB,
    network: false,
    keep: false,
    ...rest,
    limits: resolveLimits({ timeoutSeconds: 10, memoryMiB: 256, pids: 64, writableMiB: 64, tmpMiB: 16, ...limits }),
  };
}

/** Runs `overrides` on the suite's sandbox and image, as the context's user unless they say otherwise. */
export function run(ctx: SuiteContext, overrides: SpecOverrides = {}, signal?: AbortSignal): Promise<RunOutcome> {
  return ctx.sandbox().run(makeSpec(ctx.image(), { ...(ctx.user !== undefined ? { user: { ...ctx.user } } : {}), ...overrides }), signal);
}
