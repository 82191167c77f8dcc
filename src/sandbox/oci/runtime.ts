import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { resolveLimits } from '../limits.ts';
import { SandboxError, type RunSpec } from '../sandbox.ts';
import type { CgroupLayout } from './cgroups.ts';
import { execFile } from './exec-file.ts';
import { buildOciConfig } from './oci-config.ts';
import type { OciMount } from './oci-spec.ts';
import { activeRuns, newRunId } from './run-id.ts';
import { RuntimeVerdictCache } from './runtime-verdict-cache.ts';
import { createScratch, destroyRunDir, scratchLayout } from './scratch.ts';

export type RuntimeName = 'runc' | 'crun';

/** An OCI runtime that has proven, by running a container, that it works on this host. */
export interface OciRuntime {
  name: RuntimeName;
  /** Absolute path of the binary. */
  path: string;
  /** Whether runs can get their own cgroup namespace. */
  cgroupNamespace: boolean;
}

// Where runtimes live on Debian and friends, in case the supervisor's PATH lacks the sbin dirs.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The runtime's state directory (its `--root`) under a sandbox state directory. */
export function runtimeRoot(stateDir: string, name: RuntimeName): string {
  return join(stateDir, name);
}

/**
 * Runs `sh -c 'exit 0'` exactly as a grader run would go (scratch tmpfs, overlay root mounted by
 * the runtime, namespaces, cgroup limits, seccomp, no capabilities, non-root user), over an empty
 * image with the host's /usr and friends bound read-only so no image is needed. Resolves to the
 * runtime's complaint, or undefined when the container ran.
 */
async function trial(path: string, name: RuntimeName, stateDir: string, cgroups: CgroupLayout, cgroupNamespace: boolean): Promise<string | undefined> {
  const id = newRunId(stateDir, 'trial');
  const base = join(stateDir, 'trial', id);
  const dir = join(base, 'run');
  const root = runtimeRoot(stateDir, name);
  activeRuns.add(id);
  try {
    await mkdir(join(base, 'image'), { recursive: true });
    await mkdir(root, { recursive: true, mode: 0o700 });
    const binds: OciMount[] = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32']
      .filter((dir) => existsSync(dir))
      .map((dir) => ({ destination: dir, type: 'bind', source: dir, options: ['rbind', 'ro', 'nosuid', 'nodev'] }));
    const spec: RunSpec = {
      image: { id: 'trial', rootfs: join(base, 'image') },
      argv: ['/bin/sh', '-c', 'exit 0'], env: {}, cwd: '/', user: { uid: 65534, gid: 65534 },
      volumes: [], files: [], outputs: [], outputFileCapBytes: 0, network: false, keep: false,
      limits: resolveLimits({ memoryMiB: 64, pids: 16, timeoutSeconds: 10, tmpMiB: 1, writableMiB: 1 }),
    };
    const scratch = scratchLayout(join(dir, 'scratch'), spec);
    await createScratch(scratch, spec, []);
    const config = buildOciConfig(spec, {
      rootfs: scratch.rootfs, overlay: scratch.overlay, volumeDirs: [], fileSources: [],
      cgroupsPath: cgroups.cgroupsPath(id), cgroupNamespace, swapLimit: cgroups.swapLimit, extraMounts: binds,
    });
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    const result = await execFile(path, ['--root', root, 'run', '--bundle', dir, id]);
    if (result.code === 0) return undefined;
    return result.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${result.code ?? result.signal ?? '?'}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await execFile(path, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
    await cgroups.remove(id).catch(() => undefined);
    await destroyRunDir(dir, join(dir, 'scratch')).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
    activeRuns.delete(id);
  }
}

const verdicts = new Map<string, Promise<OciRuntime>>();

/**
 * Finds a working OCI runtime: for `auto`, crun if it works (it is faster) and otherwise runc.
 * "Works" means a real trial container ran; crun 1.8, for one, refuses hybrid cgroup hosts. The
 * verdict is cached for the life of the process, and on disk until a runtime binary, the boot or
 * the cgroup layout changes (see RuntimeVerdictCache).
 */
export function selectRuntime(preference: 'auto' | RuntimeName, stateDir: string, cgroups: CgroupLayout): Promise<OciRuntime> {
  let verdict = verdicts.get(preference);
  if (verdict === undefined) {
    verdict = probe(preference, stateDir, cgroups);
    verdicts.set(preference, verdict);
    // A failure is not cached: the operator may install runc and retry without a restart.
    verdict.catch(() => verdicts.delete(preference));
  }
  return verdict;
}

async function probe(preference: 'auto' | RuntimeName, stateDir: string, cgroups: CgroupLayout): Promise<OciRuntime> {
  const candidates: RuntimeName[] = preference === 'auto' ? ['crun', 'runc'] : [preference];
  const cache = new RuntimeVerdictCache<OciRuntime>(stateDir);
  const key = await cache.key(preference, candidates.map(which), cgroups);
  const known = await cache.get(key);
  if (known) return known;
  const found = await trialEach(candidates, stateDir, cgroups);
  await cache.set(key, found);
  return found;
}

async function trialEach(candidates: RuntimeName[], stateDir: string, cgroups: CgroupLayout): Promise<OciRuntime> {
  const failures: string[] = [];
  for (const name of candidates) {
    const path = which(name);
    if (path === undefined) {
      failures.push(`${name}: not installed`);
      continue;
    }
    const withNs = await trial(path, name, stateDir, cgroups, true);
    if (withNs === undefined) return { name, path, cgroupNamespace: true };
    const withoutNs = await trial(path, name, stateDir, cgroups, false);
    if (withoutNs === undefined) return { name, path, cgroupNamespace: false };
    failures.push(`${name}: ${withoutNs}`);
  }
  const hint = process.getuid?.() === 0
    ? 'install runc (apt-get install runc) or choose another sandbox backend'
    : 'the oci sandbox needs root; run as root, or use the docker backend';
  throw new SandboxError(`no working OCI runtime (${failures.join('; ')})`, hint);
}
