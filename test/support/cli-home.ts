import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { runPrefix } from '../../src/sandbox/docker/run-name.ts';
import { dockerLeftovers } from './docker-test.ts';
import { ociHomeScopes, snapshotLeftovers } from './leftovers.ts';

/** A fresh GRADEBOX_HOME for CLI tests that run on both sandbox backends. */
export interface CliHome {
  /** A temporary folder of the test's own (remove it when done); `home` is inside it. */
  work: string;
  home: string;
  /** What runs of either backend left: processes, mounts, cgroups, runtime state, and the docker runs' containers and volumes. */
  leftovers: () => Promise<string[]>;
}

/** Makes a CliHome under a new temporary folder named by `prefix`; `docker` when the docker backend is tested too. */
export async function makeCliHome(prefix: string, docker: Docker | undefined): Promise<CliHome> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const home = join(work, 'home');
  await mkdir(home);
  const scopes = [...ociHomeScopes(home), { stateDir: home, idPrefix: runPrefix(join(home, 'sandbox')), stateSubdirs: [] }];
  return {
    work,
    home,
    leftovers: async () => {
      const found = await Promise.all(scopes.map((scope) => snapshotLeftovers(scope)));
      if (docker !== undefined) found.push(await dockerLeftovers(docker, join(home, 'sandbox')));
      return found.flat();
    },
  };
}
