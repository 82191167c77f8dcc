import { chmod, copyFile, lchown, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostId, sandboxIdRange } from '../../sandbox/id-range.ts';
import { resolveLimits } from '../../sandbox/limits.ts';
import { isTmpfs } from '../../sandbox/oci/live-dir.ts';
import { OciSandbox } from '../../sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../sandbox/oci/runtime.ts';
import { SandboxError, type RunSpec } from '../../sandbox/sandbox.ts';
import type { Check } from './check.ts';
import { findProgram } from '../../util/find-program.ts';

const GRADER_USER = { uid: 1000, gid: 1000 };

/**
 * A real run through the oci sandbox, exactly as a grading goes (scratch tmpfs, overlay, fresh
 * namespaces, cgroup limits, seccomp, uid 1000), of `sh -c 'echo ok'` over a one-binary image
 * root built from the host's static busybox in a temporary directory. `runtime` picks the OCI
 * runtime as the sandbox option does (default `auto`: crun when it works, else runc).
 */
export function sandboxTrialCheck(stateDir: string, runtime: 'auto' | RuntimeName = 'auto'): Check {
  return {
    id: 'sandbox-trial',
    title: 'sandbox trial',
    run: async () => {
      const busybox = findProgram('busybox');
      if (busybox === undefined) {
        return { status: 'warn', detail: 'not run: it needs a static busybox for its image root', fix: 'apt-get install busybox-static' };
      }
      const work = await mkdtemp(join(tmpdir(), 'gradebox-sanity-'));
      try {
        const rootfs = join(work, 'rootfs');
        await mkdir(join(rootfs, 'bin'), { recursive: true });
        // The image root is the container's /: uid 1000 must be able to enter it.
        await chmod(rootfs, 0o755);
        await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
        await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
        await symlink('busybox', join(rootfs, 'bin', 'sh'));
        // Owned by the run's root, as the image store unpacks every image (docs/sandbox.md, "Users and ids").
        const root = hostId(sandboxIdRange(), 0);
        for (const path of [rootfs, join(rootfs, 'bin'), join(rootfs, 'bin', 'busybox'), join(rootfs, 'bin', 'sh')]) await lchown(path, root, root);
        const spec: RunSpec = {
          image: { id: 'gradebox-sanity-trial', rootfs },
          argv: ['/bin/sh', '-c', 'echo ok'], env: { PATH: '/bin' }, cwd: '/', user: GRADER_USER,
          volumes: [], files: [], outputs: [], outputFileCapBytes: 0, network: false, keep: false,
          limits: resolveLimits({ memoryMiB: 64, pids: 16, timeoutSeconds: 10, tmpMiB: 1, writableMiB: 1 }),
        };
        const started = performance.now();
        const sandbox = new OciSandbox({ stateDir, runtime });
        const outcome = await sandbox.run(spec);
        const ms = Math.round(performance.now() - started);
        if (outcome.reason === 'exited' && outcome.exitCode === 0 && outcome.stdout.text === 'ok\n') {
          const ran = `sh -c 'echo ok' ran as uid ${GRADER_USER.uid} of its own user namespace in a fresh sandbox in ${ms} ms`;
          if (isTmpfs(sandbox.liveDir)) return { status: 'pass', detail: `${ran}; runs live on a tmpfs (${sandbox.liveDir})` };
          return {
            status: 'warn',
            detail: `${ran}, but runs' transient files go to ${sandbox.liveDir}, not a tmpfs: every run costs disk work`,
            fix: 'mount a tmpfs on /run (or give root a /dev/shm); docs/sandbox.md, "Where runs live"',
          };
        }
        const said = outcome.stderr.text.trim().split('\n').at(-1) ?? '';
        return {
          status: 'fail',
          detail: `the trial run ended ${outcome.reason} with exit ${outcome.exitCode ?? outcome.signal ?? '?'}${said ? `: ${said}` : ''}`,
          fix: outcome.exitCode === 127 ? `${busybox} is not statically linked: apt-get install busybox-static` : 'see the detail; docs/sandbox.md lists what the host needs',
        };
      } catch (error) {
        if (!(error instanceof SandboxError)) throw error;
        return { status: 'fail', detail: error.message, ...(error.hint === undefined ? {} : { fix: error.hint }) };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}
