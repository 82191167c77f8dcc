import type Docker from 'dockerode';
import { statusOf } from './docker-client.ts';
import type { LocalCgroups } from './local-cgroups.ts';
import { isStaleRun, LABELS, runPrefix, stateFilters } from './run-name.ts';

export interface StaleContext {
  docker: Docker;
  stateDir: string;
  /** This host's cgroups, when the daemon's containers live in them. */
  cgroups: LocalCgroups | undefined;
}

const ignoreMissing = (error: unknown): void => {
  if (statusOf(error) !== 404) throw error;
};

/**
 * Removes what supervisors killed with SIGKILL left on the daemon: containers (running or not)
 * and tmpfs volumes labelled with this state directory whose run is stale (see `isStaleRun`: its
 * supervisor, on this host, is gone), and, for a local daemon, their parent cgroups. Runs of live
 * supervisors, and of other hosts sharing the daemon, are left alone.
 */
export async function cleanupStaleRuns({ docker, stateDir, cgroups }: StaleContext): Promise<void> {
  const filters = { label: stateFilters(stateDir) };
  const stale = (labels: Record<string, string> | undefined): boolean => {
    const run = labels?.[LABELS.run];
    return run !== undefined && isStaleRun(run, labels?.[LABELS.owner]);
  };

  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.filter((c) => stale(c.Labels)).map((c) =>
    docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing)));

  // Volumes only once their containers are gone: the daemon refuses to remove one in use.
  const { Volumes: volumes } = await docker.listVolumes({ filters });
  await Promise.all((volumes ?? []).filter((v) => stale(v.Labels)).map((v) =>
    docker.getVolume(v.Name).remove({ force: true }).catch(ignoreMissing)));

  if (cgroups !== undefined) {
    for (const name of await cgroups.list(runPrefix(stateDir))) {
      if (isStaleRun(name, undefined)) await cgroups.remove(name);
    }
  }
}
