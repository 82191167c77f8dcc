import { existsSync } from 'node:fs';
import { chown, mkdir, rm } from 'node:fs/promises';
import { hostId } from '../id-range.ts';
import { join } from 'node:path';
import { resolveLimits } from '../limits.ts';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompBpf } from '../seccomp-bpf.ts';
import type { HostFacts } from './host-facts.ts';
import { execFile } from './exec-file.ts';
import type { OciMount } from './oci-spec.ts';
import { activeRuns, newRunId } from './run-id.ts';
import { createBundle, destroyBundle, planBundle, runtimeRoot } from './run-bundle.ts';
import type { OciRuntime, RuntimeName } from './runtime.ts';
import { liveStateDir, makeRunFolders } from './live-dir.ts';

// The trial's program: succeeds only if a seccomp filter is in force (a runtime that ignores a
// way of passing the profile must not pass), using nothing but shell builtins.
const SECCOMP_CHECK = 'while read -r key value; do [ "$key" = Seccomp: ] && [ "$value" = 2 ] && exit 0; done </proc/self/status; echo "no seccomp filter in force" >&2; exit 1';

/**
 * Runs the seccomp check exactly as a grader run would go (scratch tmpfs, overlay root, cgroups,
 * user namespace and the others, its hook, seccomp, no capabilities, non-root user) with
 * `runtime` driven as it says, over an empty image with the host's /usr and friends bound
 * read-only so no image is needed. Resolves to the runtime's complaint, or undefined when the
 * container ran.
 */
async function trial(runtime: OciRuntime, stateDir: string, facts: HostFacts): Promise<string | undefined> {
  const id = newRunId(stateDir, 'trial');
  const live = liveStateDir(stateDir);
  const base = join(live, 'trial', id);
  const root = runtimeRoot(live, runtime.name);
  const host = { ...facts, runtime };
  const binds: OciMount[] = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32']
    .filter((dir) => existsSync(dir))
    .map((dir) => ({ destination: dir, type: 'bind', source: dir, options: ['rbind', 'ro', 'nosuid', 'nodev'] }));
  const spec: RunSpec = {
    image: { id: 'trial', rootfs: join(base, 'image') },
    argv: ['/bin/sh', '-c', SECCOMP_CHECK], env: {}, cwd: '/', user: { uid: 65534, gid: 65534 },
    volumes: [], files: [], outputs: [], outputFileCapBytes: 0, network: false, keep: false,
    limits: resolveLimits({ memoryMiB: 64, pids: 16, timeoutSeconds: 10, tmpMiB: 1, writableMiB: 1 }),
  };
  const bundle = planBundle(host, spec, id, join(base, 'run'), { extraMounts: binds });
  activeRuns.add(id);
  try {
    makeRunFolders(live, base);
    await mkdir(join(base, 'image'), { recursive: true });
    // An image root is its root's, as the image store unpacks it (owners shifted into the range).
    await chown(join(base, 'image'), hostId(facts.idRange, 0), hostId(facts.idRange, 0));
    await mkdir(root, { recursive: true, mode: 0o700 });
    await createBundle(host, bundle, spec, []);
    const result = await execFile(runtime.path, ['--root', root, 'run', '--bundle', bundle.dir, id]);
    if (result.code === 0) return undefined;
    return result.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${result.code ?? result.signal ?? '?'}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await destroyBundle(host, root, bundle).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
    activeRuns.delete(id);
  }
}

/** Whether `<runtime> run` has `--keep` (runc does; crun 1.8 does not). */
async function supportsKeep(path: string): Promise<boolean> {
  const help = await execFile(path, ['run', '--help']).catch(() => undefined);
  return /--keep\b/.test(`${help?.stdout ?? ''}${help?.stderr ?? ''}`);
}

/**
 * Finds out how `name` works on this host, by trial: whether it can create a cgroup namespace;
 * then, for crun, whether it loads a precompiled seccomp program. Resolves to the runtime as it
 * is to be driven, or to why it does not work at all.
 */
async function tryRuntime(name: RuntimeName, path: string, stateDir: string, facts: HostFacts): Promise<OciRuntime | string> {
  const keep = await supportsKeep(path);
  let failure = '';
  for (const cgroupNamespace of [true, false]) {
    const candidate: OciRuntime = { name, path, keep, cgroupNamespace, seccomp: 'oci' };
    const complaint = await trial(candidate, stateDir, facts);
    if (complaint === undefined) {
      if (name !== 'crun' || defaultSeccompBpf() === undefined) return candidate;
      const precompiled: OciRuntime = { ...candidate, seccomp: 'bpf' };
      return (await trial(precompiled, stateDir, facts)) === undefined ? precompiled : candidate;
    }
    failure = complaint;
  }
  return failure;
}

/** The first of `candidates` that works here, or each one's complaint. */
export async function trialRuntimes(candidates: readonly { name: RuntimeName; path: string | undefined }[], stateDir: string, facts: HostFacts): Promise<OciRuntime | string[]> {
  const failures: string[] = [];
  for (const { name, path } of candidates) {
    if (path === undefined) {
      failures.push(`${name}: not installed`);
      continue;
    }
    const result = await tryRuntime(name, path, stateDir, facts);
    if (typeof result !== 'string') return result;
    failures.push(`${name}: ${result}`);
  }
  return failures;
}
