import { constants as os } from 'node:os';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { locateInVolume, orderVolumes, type OrderedVolume } from '../container-path.ts';
import { safeReadFile } from '../safe-read.ts';
import { SandboxError, type EndReason, type OutputFile, type RunOutcome, type RunSpec, type Sandbox } from '../sandbox.ts';
import { CgroupLayout } from './cgroups.ts';
import { readMounts } from './mountinfo.ts';
import { createBundle, destroyBundle, planBundle, runtimeRoot, type OciHost } from './run-bundle.ts';
import { runContainer, type ContainerExit } from './run-container.ts';
import { activeRuns, newRunId } from './run-id.ts';
import { selectRuntime, type OciRuntime, type RuntimeName } from './runtime.ts';
import { keepScratch, type Scratch } from './scratch.ts';
import { cleanupStaleRuns } from './stale.ts';

export interface OciSandboxOptions {
  /** Directory for runtime state, run scratch mounts and kept runs; created if missing. */
  stateDir: string;
  /** Which OCI runtime to use; `auto` (default) prefers crun when it works, else runc. */
  runtime?: 'auto' | RuntimeName;
}

// First name wins where two share a number (SIGABRT before SIGIOT).
const signalNames = new Map<number, string>();
for (const [name, number] of Object.entries(os.signals)) if (!signalNames.has(number)) signalNames.set(number, name);

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
  private readonly preference: 'auto' | RuntimeName;
  private host: Promise<OciHost> | undefined;

  constructor(options: OciSandboxOptions) {
    this.stateDir = resolve(options.stateDir);
    this.preference = options.runtime ?? 'auto';
  }

  /** Detects the cgroup layout and a working runtime, once per sandbox. */
  private prepare(): Promise<OciHost> {
    this.host ??= (async () => {
      await mkdir(join(this.stateDir, 'runs'), { recursive: true, mode: 0o700 });
      const cgroups = new CgroupLayout(await readMounts());
      const runtime = await selectRuntime(this.preference, this.stateDir, cgroups);
      return { runtime, cgroups };
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
    const id = newRunId(this.stateDir);
    // The run directory holds the bundle (config, pid file, runtime log); the scratch tmpfs,
    // which the run can fill, is mounted below it. Planning validates the whole spec before
    // anything is created.
    const dir = join(this.stateDir, 'runs', id);
    const root = runtimeRoot(this.stateDir, host.runtime.name);
    const bundle = planBundle(host, spec, id, dir);
    const { scratch } = bundle;
    activeRuns.add(id);
    try {
      await createBundle(host, bundle, spec, volumes);
      const exit = await runContainer({
        runtime: host.runtime, root, id, bundle: dir, pidFile: join(dir, 'pid'), logFile: join(dir, 'runtime.log'),
        timeoutMs: spec.limits.timeoutSeconds * 1000, capBytes: spec.limits.outputCapBytes,
        limitBytes: spec.limits.outputLimitBytes, signal, kill: () => host.cgroups.kill(id),
      });
      const usage = await host.cgroups.usage(id);
      const { reason, exitCode, signal: signalName } = classify(exit, usage.oomKills);
      const outputs: Record<string, OutputFile> = {};
      for (const path of spec.outputs) outputs[path] = await readOutput(path, volumes, scratch, spec.outputFileCapBytes);
      const outcome: RunOutcome = {
        reason, exitCode, signal: signalName, stdout: exit.stdout, stderr: exit.stderr, outputs,
        usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
      };
      if (spec.keep) {
        outcome.keptAt = join(this.stateDir, 'kept', id);
        await keepScratch(scratch, volumes, outcome.keptAt);
        await copyFile(join(dir, 'config.json'), join(outcome.keptAt, 'config.json'));
      }
      return outcome;
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

/**
 * The grader's program could not be executed: an author's mistake, reported like a shell would
 * (127: not found, 126: found but not executable), from runc's or crun's message.
 */
function execFailureStatus(message: string): number | undefined {
  if (/unable to start container process: exec: /.test(message)) return /permission denied|exec format error/.test(message) ? 126 : 127; // runc
  if (/^executable file `.*` not found/.test(message)) return 127; // crun
  if (/^open executable: |exec format error/i.test(message)) return 126; // crun
  return undefined;
}

function classify(exit: ContainerExit, oomKills: number): { reason: EndReason; exitCode: number | null; signal: string | null } {
  if (exit.stoppedFor !== undefined) return { reason: exit.stoppedFor, exitCode: null, signal: 'SIGKILL' };
  if (exit.status === null) {
    throw new SandboxError(`the OCI runtime was killed by ${exit.runtimeSignal ?? 'a signal'}`);
  }
  if (!exit.started) {
    const message = exit.runtimeError ?? exit.stderr.text.trim().split('\n').at(-1) ?? '';
    const status = execFailureStatus(message);
    if (status !== undefined) return { reason: 'exited', exitCode: status, signal: null };
    throw new SandboxError(`the OCI runtime could not start the run: ${message}`);
  }
  const reason: EndReason = oomKills > 0 ? 'out-of-memory' : 'exited';
  // runc reports death by signal n as 128+n, like a shell.
  const signal = exit.status > 128 ? signalNames.get(exit.status - 128) : undefined;
  return signal === undefined ? { reason, exitCode: exit.status, signal: null } : { reason, exitCode: null, signal };
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
