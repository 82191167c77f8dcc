import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Container, ContainerCreateOptions } from 'dockerode';
import { locateInVolume } from '../container-path.ts';
import { scanTree, type TreeEntry } from '../copy-tree.ts';
import { SandboxError, type OutputFile, type PreparedImage, type RunOutcome, type RunSpec, type Sandbox } from '../sandbox.ts';
import { checkProcess, graderContainer, KEEPER_COMMAND, keeperContainer } from './container-config.ts';
import { createDockerClient, daemonMessage, readDaemonFacts, statusOf, type DaemonFacts } from './docker-client.ts';
import { ensureImageLoaded, type ImageArchiveSource } from './image-loading.ts';
import { inputArchive } from './input-archive.ts';
import { keepRunFiles } from './kept-files.ts';
import { LocalCgroups } from './local-cgroups.ts';
import { readOutputFile } from './output-files.ts';
import { runGraderContainer } from './run-grader.ts';
import { activeRuns, newRunName, runLabels } from './run-name.ts';
import { classifyExit, notStarted } from './run-outcome.ts';
import { planRun, type RunPlan } from './run-plan.ts';
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
 * inputs and outputs travel as tar archives, never as bind mounts.
 *
 * Each run has two containers from the grader image. The *grader* runs the program as PID 1 of
 * its own pid namespace, so everything it started dies with it. Its volumes, and a tmpfs over
 * every directory of the image its user could write (Docker's overlay2 layer cannot be
 * size-limited without xfs quotas), are size-limited tmpfs volumes held by the *keeper*, a
 * `sh -c read` container: Docker's local driver unmounts (and empties) a tmpfs volume whenever no
 * running container uses it, so the keeper is what lets inputs go in before the grader starts and
 * outputs come out after it is gone. Both, their volumes and the grader's cgroup are removed on
 * every path. See docs/sandbox.md, "docker backend", for how this differs from `oci`.
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
    const trees = new Map<number, TreeEntry[]>();
    for (const [index, volume] of spec.volumes.entries()) if (volume.copyFrom !== undefined) trees.set(index, await scanTree(volume.copyFrom));
    planRun(spec, 'check', [], trees);
    const daemon = await this.#connect();
    if (signal?.aborted) return notStarted(spec);
    const { docker } = daemon;
    await ensureImageLoaded(docker, spec.image.id, this.#imageArchive);
    const spots = await cachedWritableSpots(join(this.#stateDir, 'docker', 'writable-spots'), spec.image.id, spec.user, () => this.#imageTree(spec.image));
    const name = newRunName(this.#stateDir);
    const plan = planRun(spec, name, spots, trees);
    const labels = runLabels(this.#stateDir, name);
    const graderConfig = graderContainer(spec, plan, labels, daemon.cgroups?.cgroupParent(name));
    // Without volumes nothing needs holding: no keeper.
    const keeperConfig = plan.volumes.length > 0 ? keeperContainer(spec, plan, labels) : undefined;
    const containers: Container[] = [];
    activeRuns.add(name);
    try {
      const keeper = keeperConfig === undefined ? undefined : await startKeeper(docker, keeperConfig, containers);
      const grader = await docker.createContainer(graderConfig);
      containers.push(grader);
      const baseline = (await daemon.cgroups?.prepare(name, grader.id)) ?? 0;
      await placeInputs(grader, keeper, plan);
      const exit = await runGraderContainer(docker, grader, {
        timeoutMs: spec.limits.timeoutSeconds * 1000, capBytes: spec.limits.outputCapBytes,
        limitBytes: spec.limits.outputLimitBytes, signal,
      });
      const state = exit.status === null ? undefined : ((await grader.inspect()).State as { OOMKilled?: boolean });
      const usage = (await daemon.cgroups?.usage(name, baseline)) ?? { cpuMs: 0, peakMemoryBytes: 0, oomKills: 0 };
      const verdict = classifyExit(exit, state?.OOMKilled === true || usage.oomKills > 0);
      const outputs: Record<string, OutputFile> = {};
      await requireKeeperRunning(keeper);
      for (const path of spec.outputs) outputs[path] = await readOutput(keeper, plan, path, spec.outputFileCapBytes);
      const outcome: RunOutcome = {
        reason: verdict.reason, exitCode: verdict.exitCode, signal: verdict.signal,
        stdout: exit.stdout, stderr: verdict.stderr ?? exit.stderr, outputs,
        usage: { wallMs: exit.wallMs, cpuMs: usage.cpuMs, peakMemoryBytes: usage.peakMemoryBytes },
      };
      if (spec.keep) {
        outcome.keptAt = join(this.#stateDir, 'kept', name);
        await keepRunFiles(keeper, plan, outcome.keptAt, keeperConfig === undefined ? [graderConfig] : [keeperConfig, graderConfig]);
      }
      return outcome;
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

/** Daemon errors on start that say the container's init died in the daemon's hands, not a fault of the image. */
const TRANSIENT_START = /cannot start a stopped process|container process is already dead/;

/**
 * Creates and starts the keeper (recorded in `containers` for cleanup as soon as it exists). Docker
 * 20.10 under load now and then fails a start with "cannot start a stopped process" (its runtime
 * lost the container's init between create and start); that gets one retry with a fresh keeper.
 */
async function startKeeper(docker: Docker, config: ContainerCreateOptions, containers: Container[]): Promise<Container> {
  for (let attempt = 1; ; attempt++) {
    const keeper = await docker.createContainer(attempt === 1 ? config : { ...config, name: `${config.name ?? 'keeper'}-${attempt}` });
    containers.push(keeper);
    try {
      await keeper.start();
      return keeper;
    } catch (error) {
      const message = daemonMessage(error);
      if (TRANSIENT_START.test(message) && attempt < 2) continue;
      if (message.includes(`exec: "${KEEPER_COMMAND[0] ?? ''}"`)) {
        throw new SandboxError(
          `the docker backend needs ${KEEPER_COMMAND[0] ?? ''} in the grader image (its keeper container waits in \`${KEEPER_COMMAND.join(' ')}\`): ${message}`,
          'add a shell to the image, or use the oci backend', { cause: error },
        );
      }
      throw new SandboxError(`the Docker daemon could not start the run's keeper container: ${message}`, undefined, { cause: error });
    }
  }
}

/**
 * The volumes live only while the keeper runs: if it ended, what the grader wrote is gone, and a
 * "not written" result would blame the grader. That is a system fault (the job is retried).
 */
async function requireKeeperRunning(keeper: Container | undefined): Promise<void> {
  if (keeper === undefined) return;
  const state = (await keeper.inspect()).State as { Running?: boolean; ExitCode?: number };
  if (state.Running !== true) {
    throw new SandboxError(`the run's keeper container ended early (exit ${String(state.ExitCode)}), so the grader's output files were lost`);
  }
}

/**
 * Copies the files of the grader's layer in through the grader, and every volume's inputs in
 * through the keeper, one archive each, both at once. Both are extracted at `/` (see inputArchive).
 */
async function placeInputs(grader: Container, keeper: Container | undefined, plan: RunPlan): Promise<void> {
  const puts: Promise<unknown>[] = [];
  if (plan.layerFiles.length > 0) puts.push(grader.putArchive(Readable.from(inputArchive([{ prefix: '', content: { files: plan.layerFiles } }])), { path: '/' }));
  const parts = plan.volumes
    .filter((volume) => volume.input.tree !== undefined || volume.input.files.length > 0)
    .map((volume) => ({ prefix: volume.keeperPath.slice(1), content: volume.input }));
  if (keeper !== undefined && parts.length > 0) puts.push(keeper.putArchive(Readable.from(inputArchive(parts)), { path: '/' }));
  const results = await Promise.allSettled(puts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw new SandboxError(`cannot copy the run's inputs in: ${daemonMessage(failed.reason)}`, undefined, { cause: failed.reason });
}

async function readOutput(keeper: Container | undefined, plan: RunPlan, path: string, capBytes: number): Promise<OutputFile> {
  let located;
  try {
    located = locateInVolume(path, plan.ordered);
  } catch (error) {
    return { ok: false, missing: false, error: (error as Error).message };
  }
  const volume = plan.volumes.find((v) => v.source === 'spec' && v.index === located?.volume.index);
  if (located === undefined || volume === undefined || keeper === undefined) {
    return { ok: false, missing: false, error: `${path}: not inside a volume; outputs must be written to a volume` };
  }
  try {
    return await readOutputFile(keeper, volume.keeperPath, located.relative, path, capBytes);
  } catch (error) {
    return { ok: false, missing: false, error: `${path}: cannot read: ${daemonMessage(error)}` };
  }
}

/** Removes the run's containers, then its volumes and cgroups; returns what could not be removed. */
async function removeRun(daemon: Daemon, name: string, containers: readonly Container[], plan: RunPlan): Promise<string[]> {
  const problems: string[] = [];
  const note = (what: string) => (error: unknown): void => {
    if (statusOf(error) !== 404) problems.push(`${what}: ${daemonMessage(error)}`);
  };
  await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(note(`container ${c.id.slice(0, 12)}`))));
  await Promise.all(plan.volumes.map((v) => daemon.docker.getVolume(v.name).remove({ force: true }).catch(note(`volume ${v.name}`))));
  await daemon.cgroups?.remove(name).catch((error: unknown) => problems.push((error as Error).message));
  return problems;
}
