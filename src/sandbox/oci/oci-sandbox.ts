import { copyFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { locateInVolume, orderVolumes, type OrderedVolume } from '../container-path.ts';
import { safeReadFile } from '../safe-read.ts';
import {
  SandboxError, type InteractiveIo, type InteractiveOutcome, type InteractiveSpec, type OutputFile, type RunOutcome, type RunSpec, type Sandbox,
} from '../sandbox.ts';
import { exitStatus } from './exit-status.ts';
import type { SessionOptions } from './oci-config.ts';
import { createBundle, destroyBundle, planBundle, runtimeRoot, type OciHost } from './run-bundle.ts';
import { runAttached } from './run-attached.ts';
import { runContainer } from './run-container.ts';
import { startLauncher } from './runtime-launcher.ts';
import { activeRuns, newRunId } from './run-id.ts';
import { runtimePreference, selectRuntime, type OciRuntime, type RuntimeName } from './runtime.ts';
import { keepScratch, type Scratch } from './scratch.ts';
import { checkRunsCanPass, liveStateDir, makeRunFolders } from './live-dir.ts';
import { cleanupStaleRuns } from './stale.ts';
import { hostFacts } from './host-facts.ts';

export interface OciSandboxOptions {
  /**
   * Directory for the runtime verdict and kept runs; created if missing. What lives only as long
   * as a run (bundles, scratch mounts, the runtime's state) goes to its live state directory,
   * on a tmpfs where there is one (see liveStateDir).
   */
  stateDir: string;
  /**
   * Which OCI runtime to use; `auto` (default) prefers crun when it works, else runc, unless
   * $GRADEBOX_OCI_RUNTIME names one (see runtimePreference).
   */
  runtime?: 'auto' | RuntimeName;
}

/** What running one prepared container needs (see runContainer and runAttached). */
interface RunContext {
  runtime: OciRuntime;
  root: string;
  id: string;
  bundle: string;
  pidFile: string;
  logFile: string;
  kill: () => Promise<void>;
  scratch: Scratch;
}

/**
 * The `oci` backend: writes an OCI runtime config for each run and runs it with runc (or crun),
 * daemonless. Each run gets a size-limited tmpfs scratch area holding an overlay over the
 * read-only image, its volumes and files; a `gradebox-` container with its own namespaces and
 * cgroups; and a cleanup that leaves nothing behind whatever happens.
 *
 * Needs root. Runs may go in parallel; `cleanupStale` only touches runs of supervisors that died.
 */
export class OciSandbox implements Sandbox {
  readonly name = 'oci';
  private readonly stateDir: string;
  /** Where runs' bundles and the runtime's state live (liveStateDir of stateDir). */
  readonly liveDir: string;
  private readonly preference: 'auto' | RuntimeName;
  private host: Promise<OciHost> | undefined;

  constructor(options: OciSandboxOptions) {
    this.stateDir = resolve(options.stateDir);
    this.liveDir = liveStateDir(this.stateDir);
    this.preference = runtimePreference(options.runtime ?? 'auto');
  }

  /** Detects the cgroup layout and a working runtime, once per sandbox. */
  private prepare(): Promise<OciHost> {
    this.host ??= (async () => {
      makeRunFolders(this.liveDir, join(this.liveDir, 'runs'));
      checkRunsCanPass(dirname(this.liveDir));
      const facts = await hostFacts();
      const runtime = await selectRuntime(this.preference, this.stateDir, facts);
      return { ...facts, runtime };
    })();
    this.host.catch(() => (this.host = undefined));
    return this.host;
  }

  /** The runtime this sandbox uses and how it drives it (running trials first if need be). */
  async runtime(): Promise<OciRuntime> {
    return (await this.prepare()).runtime;
  }

  async run(spec: RunSpec, signal?: AbortSignal): Promise<RunOutcome> {
    const volumes = orderVolumes(spec.volumes);
    const host = await this.prepare();
    if (signal?.aborted) return notStarted(spec);
    startLauncher();
    return this.lifecycle(host, spec, volumes, undefined, async (run): Promise<RunOutcome> => {
      const exit = await runContainer({
        ...run, timeoutMs: spec.limits.timeoutSeconds * 1000, capBytes: spec.limits.outputCapBytes,
        limitBytes: spec.limits.outputLimitBytes, signal,
      });
      const usage = host.cgroups.usage(run.id);
      const { reason, exitCode, signal: signalName } = exitStatus({ ...exit, stderrText: exit.stderr.text }, usage.oomKills, 'any');
      const outputs: Record<string, OutputFile> = {};
      for (const path of spec.outputs) outputs[path] = await readOutput(path, volumes, run.scratch, spec.outputFileCapBytes);
      return {
        reason, exitCode, signal: signalName, stdout: exit.stdout, stderr: exit.stderr, outputs,
        usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
      };
    });
  }

  /**
   * The program runs with this process's stdin, stdout and stderr (`io` may name other
   * descriptors): with `io.terminal`, on a pty the runtime allocates and proxies (see
   * HostTerminal); without, on the descriptors themselves. Same bundle, limits and cleanup as
   * `run`; a uid of 0 is allowed (still without capabilities).
   */
  async runInteractive(spec: InteractiveSpec, io: InteractiveIo, signal?: AbortSignal): Promise<InteractiveOutcome> {
    const full: RunSpec = { ...spec, outputs: [], outputFileCapBytes: 0 };
    const volumes = orderVolumes(spec.volumes);
    const host = await this.prepare();
    if (signal?.aborted) return { reason: 'killed', exitCode: null, signal: null, usage: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0 }, oomKills: 0 };
    const attached = { terminal: io.terminal, stdin: io.stdin ?? 0, stdout: io.stdout ?? 1, stderr: io.stderr ?? 2 };
    return this.lifecycle(host, full, volumes, { terminal: io.terminal }, async (run): Promise<InteractiveOutcome> => {
      const exit = await runAttached({ ...run, timeoutMs: spec.limits.timeoutSeconds * 1000, io: attached, signal });
      const usage = host.cgroups.usage(run.id);
      const { reason, exitCode, signal: signalName } = exitStatus(exit, usage.oomKills, 'program');
      if (reason === 'output-limit') throw new Error('an attached run has no output limit');
      return {
        reason, exitCode, signal: signalName, oomKills: usage.oomKills,
        usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
      };
    });
  }

  /**
   * One run from bundle to cleanup: plans it (validating the whole spec before anything is
   * created), creates scratch, config and cgroups, lets `body` run the container, keeps the
   * scratch files if asked, and removes everything whatever happened.
   */
  private async lifecycle<T extends { keptAt?: string }>(
    host: OciHost, spec: RunSpec, volumes: readonly OrderedVolume[], session: SessionOptions | undefined,
    body: (run: RunContext) => Promise<T>,
  ): Promise<T> {
    const id = newRunId(this.stateDir);
    // The run directory holds the bundle (config, pid file, runtime log); the scratch tmpfs,
    // which the run can fill, is mounted below it.
    const dir = join(this.liveDir, 'runs', id);
    const root = runtimeRoot(this.liveDir, host.runtime.name);
    const bundle = planBundle(host, spec, id, dir, { session });
    activeRuns.add(id);
    try {
      await createBundle(host, bundle, spec, volumes);
      const result = await body({
        runtime: host.runtime, root, id, bundle: dir, pidFile: join(dir, 'pid'), logFile: join(dir, 'runtime.log'),
        kill: () => host.cgroups.kill(id), scratch: bundle.scratch,
      });
      if (spec.keep) {
        result.keptAt = join(this.stateDir, 'kept', id);
        await keepScratch(bundle.scratch, volumes, result.keptAt);
        await copyFile(join(dir, 'config.json'), join(result.keptAt, 'config.json'));
      }
      return result;
    } finally {
      const cleanup = await destroyBundle(host, root, bundle).then(() => undefined, (error: unknown) => error as Error);
      activeRuns.delete(id);
      if (cleanup !== undefined) {
        // Throwing from finally would hide an earlier error; only do it when there is none.
        // eslint-disable-next-line no-unsafe-finally
        throw new SandboxError(`cleanup of run ${id} failed: ${cleanup.message}`, 'fix the cause; cleanupStale() (run when a worker starts) removes what is left', { cause: cleanup });
      }
    }
  }

  async cleanupStale(): Promise<void> {
    const host = await this.prepare();
    await cleanupStaleRuns({ stateDir: this.stateDir, runtime: host.runtime, cgroups: host.cgroups });
  }
}

/** The outcome of a run aborted before anything started. */
function notStarted(spec: RunSpec): RunOutcome {
  const empty = { text: '', bytes: 0, truncated: false };
  const outputs = Object.fromEntries(spec.outputs.map((path) => [path, { ok: false as const, missing: true, error: `${path}: the run was aborted before it started` }]));
  return { reason: 'killed', exitCode: null, signal: null, stdout: empty, stderr: empty, outputs, usage: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0 } };
}

async function readOutput(path: string, volumes: readonly OrderedVolume[], scratch: Scratch, capBytes: number): Promise<OutputFile> {
  let located;
  try {
    located = locateInVolume(path, volumes);
  } catch (error) {
    return { ok: false, missing: false, error: (error as Error).message };
  }
  const dir = located === undefined ? undefined : scratch.volumeDirs[located.volume.index];
  if (located === undefined || dir === undefined) {
    return { ok: false, missing: false, error: `${path}: not inside a volume; outputs must be written to a volume` };
  }
  return safeReadFile(dir, located.relative, { capBytes, displayPath: path });
}
