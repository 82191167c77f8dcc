import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Container, ContainerCreateOptions } from 'dockerode';
import { SandboxError } from '../sandbox.ts';
import { KEEPER_READY } from './container-config.ts';
import { daemonMessage, statusOf } from './docker-client.ts';
import { inputArchive } from './input-archive.ts';
import type { LocalCgroups } from './local-cgroups.ts';
import type { RunPlan } from './run-plan.ts';

// The steps of a docker run around its grader's own life, shared by grading and interactive runs
// (see DockerSandbox): the keeper, the inputs, and the removal of everything.

/** Daemon errors on start that say the container's init died in the daemon's hands, not a fault of the image. */
const TRANSIENT_START = /cannot start a stopped process|container process is already dead/;
/** How long a started keeper may take to limit its namespace and say so. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Creates and starts the keeper (recorded in `containers` for cleanup as soon as it exists), and
 * waits until it has limited the run's user namespace (see keeperCommand): its terminal's output,
 * attached before the start, carries KEEPER_READY then. Docker 20.10 under load now and then
 * fails a start with "cannot start a stopped process" (its runtime lost the container's init
 * between create and start); that gets one retry with a fresh keeper.
 */
export async function startKeeper(docker: Docker, config: ContainerCreateOptions, containers: Container[]): Promise<Container> {
  const [shell] = config.Entrypoint ?? [];
  for (let attempt = 1; ; attempt++) {
    const keeper = await docker.createContainer(attempt === 1 ? config : { ...config, name: `${config.name ?? 'keeper'}-${attempt}` });
    containers.push(keeper);
    const output = await keeper.attach({ stream: true, stdout: true, stderr: true });
    try {
      try {
        await keeper.start();
      } catch (error) {
        const message = daemonMessage(error);
        if (TRANSIENT_START.test(message) && attempt < 2) continue;
        if (shell !== undefined && message.includes(`exec: "${shell}"`)) {
          throw new SandboxError(
            `the docker backend needs ${shell} in the grader image (its keeper container runs it to limit the run and hold its volumes): ${message}`,
            'add a shell to the image, or use the oci backend', { cause: error },
          );
        }
        throw new SandboxError(`the Docker daemon could not start the run's keeper container: ${message}`, undefined, { cause: error });
      }
      await keeperReady(keeper, output);
      return keeper;
    } finally {
      (output as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    }
  }
}

/** Resolves once the keeper's output carries KEEPER_READY; throws a SandboxError with what it said if it ends first. */
async function keeperReady(keeper: Container, output: NodeJS.ReadableStream): Promise<void> {
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  const ready = await new Promise<boolean>((resolve) => {
    output.on('data', (chunk: Buffer) => {
      text = `${text}${chunk.toString('utf8')}`.slice(-4096);
      if (text.includes(KEEPER_READY)) resolve(true);
    });
    for (const event of ['end', 'close', 'error']) output.once(event, () => resolve(text.includes(KEEPER_READY)));
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  clearTimeout(timer);
  if (ready) return;
  const state = (await keeper.inspect().catch(() => undefined))?.State as { Running?: boolean; ExitCode?: number } | undefined;
  const said = text.replace(/\r/g, '').trim();
  throw new SandboxError(
    `the run's keeper container could not limit the run's user namespace (${state?.Running === true ? 'no answer' : `exit ${String(state?.ExitCode)}`})${said === '' ? '' : `: ${said}`}`,
    'the docker backend needs a Docker daemon with user namespaces (userns-remap), whose containers may set /proc/sys/user limits',
  );
}

/**
 * The volumes live only while the keeper runs: if it ended, what the grader wrote is gone, and a
 * "not written" result would blame the grader. That is a system fault (the job is retried).
 */
export async function requireKeeperRunning(keeper: Container): Promise<void> {
  const state = (await keeper.inspect()).State as { Running?: boolean; ExitCode?: number };
  if (state.Running !== true) {
    throw new SandboxError(`the run's keeper container ended early (exit ${String(state.ExitCode)}), so the grader's output files were lost`);
  }
}

/**
 * Copies every volume's inputs in through the keeper, in one archive extracted at `/` (see
 * inputArchive), and returns the run volume's directory on the daemon's host (its `Mountpoint`),
 * which the grader's bound files come from. Both before the grader is created: Docker checks that
 * a bind's source exists then.
 */
export async function placeInputs(docker: Docker, keeper: Container, plan: RunPlan): Promise<string> {
  const parts = plan.volumes.flatMap((volume) => (volume.input === undefined ? [] : [{ prefix: volume.keeperPath.slice(1), content: volume.input }]));
  const runVolume = plan.volumes.find((volume) => volume.source === 'run');
  if (runVolume === undefined) throw new Error('a run plan without its run volume');
  const [placed, inspected] = await Promise.allSettled([
    keeper.putArchive(Readable.from(inputArchive(parts)), { path: '/' }),
    docker.getVolume(runVolume.name).inspect() as Promise<{ Mountpoint?: string }>,
  ]);
  for (const result of [placed, inspected]) {
    if (result.status === 'rejected') throw new SandboxError(`cannot copy the run's inputs in: ${daemonMessage(result.reason)}`, undefined, { cause: result.reason });
  }
  const dir = inspected.status === 'fulfilled' ? inspected.value.Mountpoint : undefined;
  if (typeof dir !== 'string' || !dir.startsWith('/')) throw new SandboxError(`the Docker daemon gave no directory for the run's volume ${runVolume.name}`);
  return dir;
}

/** Removes the run's containers, then its volumes and cgroups; returns what could not be removed. */
export async function removeRun(daemon: { docker: Docker; cgroups: LocalCgroups | undefined }, name: string, containers: readonly Container[], plan: RunPlan): Promise<string[]> {
  const problems: string[] = [];
  const note = (what: string) => (error: unknown): void => {
    if (statusOf(error) !== 404) problems.push(`${what}: ${daemonMessage(error)}`);
  };
  await Promise.all(containers.map((c) => c.remove({ force: true, v: true }).catch(note(`container ${c.id.slice(0, 12)}`))));
  const volumes = [...plan.volumes.map((v) => v.name), plan.ptys.name];
  await Promise.all(volumes.map((v) => daemon.docker.getVolume(v).remove({ force: true }).catch(note(`volume ${v}`))));
  await daemon.cgroups?.remove(name).catch((error: unknown) => problems.push((error as Error).message));
  return problems;
}
