import { writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import type { Container } from 'dockerode';
import { readTree, type TreeEntry } from '../copy-tree.ts';
import { HostTerminal } from '../host-terminal.ts';
import {
  SandboxError, type InteractiveIo, type InteractiveOutcome, type InteractiveSpec, type OutputFile, type PreparedImage, type RunOutcome,
  type RunSpec, type Sandbox,
} from '../sandbox.ts';
import { checkProcess, graderContainer, keeperContainer, type SessionOptions } from './container-config.ts';
import { createDockerClient, readDaemonFacts, type DaemonFacts } from './docker-client.ts';
import { ensureImageLoaded, type ImageArchiveSource } from './image-loading.ts';
import { keepRunFiles } from './kept-files.ts';
import { LocalCgroups, type CgroupUsage } from './local-cgroups.ts';
import { readOutput } from './output-files.ts';
import { runAttachedContainer } from './run-attached.ts';
import { placeInputs, removeRun, requireKeeperRunning, startKeeper } from './run-containers.ts';
import { runGraderContainer } from './run-grader.ts';
import { activeRuns, newRunName, runLabels } from './run-name.ts';
import { classifyExit, notStarted } from './run-outcome.ts';
import { needsRootStandIn, planRun, type RunPlan } from './run-plan.ts';
import { cleanupStaleRuns } from './stale.ts';
import { cachedWritableSpots, hostImageTree, type ImageTree } from './writable-spots.ts';

export interface DockerSandboxOptions {
  /** Directory for kept runs and the writable-spot cache; created when needed. */
  stateDir: string;
  /** Provides images the daemon does not have (see `ensureImageLoaded`); without it they must be loaded already. */
  imageArchive?: ImageArchiveSource;
  /**
   * The image's directories with their true owners, to find where the run's user could write
   * (see writable-spots.ts); default: the unpacked `image.rootfs`, trusted only if root unpacked it.
   */
  imageTree?: (image: PreparedImage) => Promise<ImageTree>;
  /** A client with the caller's settings (and for tests); default: DOCKER_HOST or the default socket. */
  docker?: Docker;
}

interface Daemon {
  docker: Docker;
  facts: DaemonFacts;
  /** This host's cgroups when the daemon's containers live in them (usage is read there). */
  cgroups: LocalCgroups | undefined;
}

/**
 * The `docker` backend: the semantics of the `oci` backend through the Docker Engine API, for
 * hosts that only have Docker. Everything goes through the API (the daemon may be remote):
 * inputs and outputs travel as tar archives, and the only host paths are the daemon's own. The
 * daemon must run containers in a user namespace (`userns-remap`), so a run's ids, root among
 * them, are none of the host's.
 *
 * Each run has two containers from the grader image. The *keeper* (`sh`, waiting) starts first:
 * it sets the per-namespace limits of the user namespace the grader then joins (through the
 * keeper's network namespace), and holds the run's size-limited tmpfs volumes, because Docker's
 * local driver unmounts (and empties) a tmpfs volume whenever no running container uses it; so
 * inputs go in before the grader starts and outputs come out after it is gone. The *grader* runs
 * the program as PID 1 of its own pid namespace, so everything it started dies with it, on a
 * read-only root: Docker's overlay2 layer cannot be size-limited without xfs quotas, so every
 * place the run's user may write is a tmpfs volume (see writable-spots.ts). Both containers,
 * their volumes and the grader's cgroup are removed on every path. Interactive sessions
 * (`runInteractive`) are the same grader container with stdin attached. See docs/sandbox.md,
 * "The docker backend", for how this differs from `oci`.
 */
export class DockerSandbox implements Sandbox {
  readonly name = 'docker';
  readonly #stateDir: string;
  readonly #imageArchive: ImageArchiveSource | undefined;
  readonly #client: Docker | undefined;
  readonly #imageTree: (image: PreparedImage) => Promise<ImageTree>;
  #daemon: Promise<Daemon> | undefined;

  constructor(options: DockerSandboxOptions) {
    this.#stateDir = resolve(options.stateDir);
    this.#imageArchive = options.imageArchive;
    this.#client = options.docker;
    this.#imageTree = options.imageTree ?? ((image) => hostImageTree(image.rootfs));
  }

  /** Connects and learns about the daemon, once per sandbox (a failure is retried next time). */
  #connect(): Promise<Daemon> {
    this.#daemon ??= (async () => {
      const docker = this.#client ?? (await createDockerClient());
      const facts = await readDaemonFacts(docker);
      return { docker, facts, cgroups: facts.localCgroups ? await LocalCgroups.detect() : undefined };
    })();
    this.#daemon.catch(() => (this.#daemon = undefined));
    return this.#daemon;
  }

  /** The daemon this sandbox uses (connecting first if need be). */
  async daemon(): Promise<DaemonFacts> {
    return (await this.#connect()).facts;
  }

  async run(spec: RunSpec, signal?: AbortSignal): Promise<RunOutcome> {
    // Everything about the spec is checked before the daemon is asked for anything.
    checkProcess(spec);
    const trees = await checkVolumes(spec);
    const daemon = await this.#connect();
    if (signal?.aborted) return notStarted(spec);
    return this.#lifecycle(daemon, spec, trees, undefined, async ({ grader, keeper, plan, baseline }): Promise<RunOutcome> => {
      const exit = await runGraderContainer(daemon.docker, grader, {
        timeoutMs: spec.limits.timeoutSeconds * 1000, capBytes: spec.limits.outputCapBytes,
        limitBytes: spec.limits.outputLimitBytes, signal,
      });
      const { oomKilled, usage } = await endFacts(daemon, grader, plan.name, baseline, exit.status !== null);
      const verdict = classifyExit(exit, oomKilled || usage.oomKills > 0);
      const outputs: Record<string, OutputFile> = {};
      await requireKeeperRunning(keeper);
      for (const path of spec.outputs) outputs[path] = await readOutput(keeper, plan, path, spec.outputFileCapBytes);
      return {
        reason: verdict.reason, exitCode: verdict.exitCode, signal: verdict.signal,
        stdout: exit.stdout, stderr: verdict.stderr ?? exit.stderr, outputs,
        usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
      };
    });
  }

  /**
   * The program runs attached to this process's stdin, stdout and stderr (`io` may name other
   * descriptors), like `docker run -it` with `io.terminal` and `docker run -i` without (see
   * runAttachedContainer). Same containers, volumes, user rules, limits and cleanup as `run`.
   */
  async runInteractive(spec: InteractiveSpec, io: InteractiveIo, signal?: AbortSignal): Promise<InteractiveOutcome> {
    const full: RunSpec = { ...spec, outputs: [], outputFileCapBytes: 0 };
    checkProcess(full);
    const trees = await checkVolumes(full);
    const attached = { terminal: io.terminal, stdin: io.stdin ?? 0, stdout: io.stdout ?? 1, stderr: io.stderr ?? 2 };
    // Refused before anything exists when stdin is no terminal; its mode is restored on every path.
    const terminal = io.terminal ? HostTerminal.attach(attached.stdin) : undefined;
    try {
      const daemon = await this.#connect();
      if (signal?.aborted) return { reason: 'killed', exitCode: null, signal: null, usage: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0 }, oomKills: 0 };
      return await this.#lifecycle(daemon, full, trees, { terminal: io.terminal }, async ({ grader, plan, baseline }): Promise<InteractiveOutcome> => {
        const exit = await runAttachedContainer(daemon.docker, grader, { io: attached, terminal, timeoutMs: spec.limits.timeoutSeconds * 1000, signal });
        const { oomKilled, usage } = await endFacts(daemon, grader, plan.name, baseline, exit.status !== null);
        // cgroup v1 counts kills only in the container's own cgroup, gone by now: Docker's flag says at least one.
        const oomKills = Math.max(usage.oomKills, oomKilled ? 1 : 0);
        // A shell outlives a killed child: out-of-memory only when the program itself died of SIGKILL.
        const verdict = classifyExit(exit, oomKills > 0 && exit.status === 128 + 9);
        if (verdict.reason === 'output-limit') throw new Error('an attached run has no output limit');
        // The daemon's reason a program could not be executed, where runc would have printed it.
        if (verdict.stderr !== undefined) writeQuietly(attached.stderr, verdict.stderr.text);
        return {
          reason: verdict.reason, exitCode: verdict.exitCode, signal: verdict.signal, oomKills,
          usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
        };
      });
    } finally {
      terminal?.restore();
    }
  }

  /**
   * One run from image to cleanup: loads the image, plans the volumes (the spec was checked by
   * the caller), starts the keeper (which limits the run's user namespace and holds its volumes),
   * copies the inputs in, creates the grader container (its cgroup prepared), lets `body` run the
   * grader, keeps the run's files if asked, and removes everything whatever happened.
   */
  async #lifecycle<T extends { keptAt?: string }>(
    daemon: Daemon, spec: RunSpec, trees: ReadonlyMap<number, TreeEntry[]>, session: SessionOptions | undefined,
    body: (run: { grader: Container; keeper: Container; plan: RunPlan; baseline: number }) => Promise<T>,
  ): Promise<T> {
    const { docker } = daemon;
    await ensureImageLoaded(docker, spec.image.id, this.#imageArchive);
    const spots = await cachedWritableSpots(
      join(this.#stateDir, 'docker', 'writable-spots'), spec.image.id, spec.user, spec.cwd, () => this.#imageTree(spec.image),
    );
    const name = newRunName(this.#stateDir);
    const rootNames = needsRootStandIn(spec) ? (await (await this.#imageTree(spec.image)).readdir('/')).map((entry) => entry.name) : [];
    const plan = planRun(spec, name, spots, trees, rootNames);
    const labels = runLabels(this.#stateDir, name);
    const keeperConfig = keeperContainer(spec, plan, labels);
    const containers: Container[] = [];
    activeRuns.add(name);
    try {
      const keeper = await startKeeper(docker, keeperConfig, containers);
      const runVolumeDir = await placeInputs(docker, keeper, plan);
      const graderConfig = graderContainer(spec, plan, labels, { keeperId: keeper.id, runVolumeDir, cgroupParent: daemon.cgroups?.cgroupParent(name) }, session);
      const grader = await docker.createContainer(graderConfig);
      containers.push(grader);
      const baseline = (await daemon.cgroups?.prepare(name, grader.id)) ?? 0;
      const result = await body({ grader, keeper, plan, baseline });
      if (spec.keep) {
        result.keptAt = join(this.#stateDir, 'kept', name);
        await requireKeeperRunning(keeper);
        await keepRunFiles(keeper, plan, result.keptAt, [keeperConfig, graderConfig]);
      }
      return result;
    } finally {
      const problems = await removeRun(daemon, name, containers, plan);
      activeRuns.delete(name);
      if (problems.length > 0) {
        // Throwing from finally would hide an earlier error; only do it when there is none.
        // eslint-disable-next-line no-unsafe-finally
        throw new SandboxError(`cleanup of run ${name} failed: ${problems.join('; ')}`, 'fix the cause; cleanupStale() (run when a worker starts) removes what is left');
      }
    }
  }

  async cleanupStale(): Promise<void> {
    const { docker, cgroups } = await this.#connect();
    await cleanupStaleRuns({ docker, stateDir: this.#stateDir, cgroups });
  }
}

/** What the daemon and this host's cgroups know about a finished grader: Docker's OOM flag (when it exited) and the run's usage. */
async function endFacts(daemon: Daemon, grader: Container, name: string, baseline: number, exited: boolean): Promise<{ oomKilled: boolean; usage: CgroupUsage }> {
  const state = exited ? ((await grader.inspect()).State as { OOMKilled?: boolean }) : undefined;
  const usage = (await daemon.cgroups?.usage(name, baseline)) ?? { cpuMs: 0, peakMemoryBytes: 0, oomKills: 0 };
  return { oomKilled: state?.OOMKilled === true, usage };
}

/** Reads the volumes' source trees and checks the volumes and files of `spec` (planRun without the image). */
async function checkVolumes(spec: RunSpec): Promise<Map<number, TreeEntry[]>> {
  const trees = new Map<number, TreeEntry[]>();
  for (const [index, volume] of spec.volumes.entries()) if (volume.copyFrom !== undefined) trees.set(index, await readTree(volume.copyFrom));
  planRun(spec, 'check', [], trees);
  return trees;
}

/** Writes `text` to descriptor `fd`; a descriptor that is gone (a closed terminal) is not worth an error. */
function writeQuietly(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // Nowhere to say it.
  }
}
