import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Container, ContainerCreateOptions } from 'dockerode';
import { SandboxError } from '../sandbox.ts';
import { KEEPER_COMMAND } from './container-config.ts';
import { daemonMessage, statusOf } from './docker-client.ts';
import { inputArchive } from './input-archive.ts';
import type { LocalCgroups } from './local-cgroups.ts';
import type { RunPlan } from './run-plan.ts';

// The steps of a docker run around its grader's own life, shared by grading and interactive runs
// (see DockerSandbox): the keeper, the inputs, and the removal of everything.

/** Daemon errors on start that say the container's init died in the daemon's hands, not a fault of the image. */
const TRANSIENT_START = /cannot start a stopped process|container process is already dead/;

/**
 * Creates and starts the keeper (recorded in `containers` for cleanup as soon as it exists). Docker
 * 20.10 under load now and then fails a start with "cannot start a stopped process" (its runtime
 * lost the container's init between create and start); that gets one retry with a fresh keeper.
 */
export async function startKeeper(docker: Docker, config: ContainerCreateOptions, containers: Container[]): Promise<Container> {
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
export async function requireKeeperRunning(keeper: Container | undefined): Promise<void> {
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
export async function placeInputs(grader: Container, keeper: Container | undefined, plan: RunPlan): Promise<void> {
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

/** Removes the run's containers, then its volumes and cgroups; returns what could not be removed. */
export async function removeRun(daemon: { docker: Docker; cgroups: LocalCgroups | undefined }, name: string, containers: readonly Container[], plan: RunPlan): Promise<string[]> {
  const problems: string[] = [];
  const note = (what: string) => (error: unknown): void => {
    if (statusOf(error) !== 404) problems.push(`${what}: ${daemonMessage(error)}`);
  };
  await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(note(`container ${c.id.slice(0, 12)}`))));
  await Promise.all(plan.volumes.map((v) => daemon.docker.getVolume(v.name).remove({ force: true }).catch(note(`volume ${v.name}`))));
  await daemon.cgroups?.remove(name).catch((error: unknown) => problems.push((error as Error).message));
  return problems;
}
