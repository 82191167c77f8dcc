import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ROOT_CAPABILITIES } from '../../../src/sandbox/capabilities.ts';
import { ROOT, run, sh, type SuiteContext } from './context.ts';

/** Linux capability numbers (linux/capability.h) of the names ROOT_CAPABILITIES may hold. */
const CAPABILITY_NUMBERS: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6,
  CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31,
};

/** The /proc/<pid>/status mask of a set of capabilities, as 16 hex digits. */
function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) {
    const bit = CAPABILITY_NUMBERS[name];
    if (bit === undefined) throw new Error(`unknown capability ${name}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}

/** Host accounts (from /etc/passwd) whose uid falls in [first, first + count). */
async function hostAccountsIn(first: number, count: number): Promise<string[]> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  return passwd.split('\n').filter((line) => {
    const uid = Number(line.split(':')[2]);
    return Number.isInteger(uid) && uid >= first && uid < first + count;
  });
}

/**
 * Root inside the run (Gradescope graders' user): a container root's powers over the run's own
 * ids and files, and none over the kernel or the host. The busybox image has no adduser: a user
 * is added the way adduser does, by writing /etc/passwd, /etc/group and /etc/shadow.
 */
export function defineRootCases(ctx: SuiteContext): void {
  describe('as root in its own user namespace', () => {
    it("is uid 0 with a container root's capabilities, on host ids no host account has", async () => {
      const outcome = await run(ctx, {
        user: { ...ROOT },
        argv: sh('id -u; id -g; grep -E "^(CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; cat /proc/self/uid_map /proc/self/gid_map'),
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      const lines = outcome.stdout.text.trim().split('\n');
      expect(lines.slice(0, 2)).toEqual(['0', '0']);
      const status = Object.fromEntries(lines.slice(2, 7).map((line) => line.split(/:\s*/) as [string, string]));
      expect(status).toEqual({
        CapEff: capabilityMask(ROOT_CAPABILITIES), CapBnd: capabilityMask(ROOT_CAPABILITIES), CapAmb: '0000000000000000', NoNewPrivs: '1', Seccomp: '2',
      });
      for (const map of lines.slice(7)) {
        const [inside, host, count] = map.trim().split(/\s+/).map(Number) as [number, number, number];
        expect(inside).toBe(0);
        expect(host).toBeGreaterThan(65535);
        expect(count).toBeGreaterThanOrEqual(65536);
        expect(await hostAccountsIn(host, count)).toEqual([]);
      }
    });

    it("owns the image's files and the run's volumes, adds a user and runs code as it, which then cannot read or write what root protected", async () => {
      const outcome = await run(ctx, {
        user: { ...ROOT },
        volumes: [{ target: '/autograder/results', readOnly: false, owner: 'user' }],
        argv: sh(`stat -c '%u:%g %n' / /etc/passwd /autograder/results
          echo 'student:x:2000:2000::/home/student:/bin/sh' >> /etc/passwd && echo 'student:x:2000:' >> /etc/group
          echo 'student:*:19000:0:99999:7:::' >> /etc/shadow && mkdir -p /home/student && chown 2000:2000 /home/student && echo ADDED
          mkdir -p /autograder/source && echo 'expected answers' > /autograder/source/tests.txt
          chmod 700 /autograder/source && chown -R 0:0 /autograder/source && chmod 755 /autograder/results
          su student -s /bin/sh -c 'id -u; cat /autograder/source/tests.txt 2>/dev/null || echo READ-DENIED
            echo forged > /autograder/results/results.json 2>/dev/null || echo WRITE-DENIED
            kill -9 1 2>/dev/null || echo KILL-DENIED; touch /home/student/mine && echo HOME-WRITABLE'
          echo '{"score": 1}' > /autograder/results/results.json && stat -c '%u:%g %n' /autograder/results/results.json`),
        outputs: ['/autograder/results/results.json'],
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(outcome.stdout.text).toBe([
        '0:0 /', '0:0 /etc/passwd', '0:0 /autograder/results', 'ADDED',
        '2000', 'READ-DENIED', 'WRITE-DENIED', 'KILL-DENIED', 'HOME-WRITABLE',
        '0:0 /autograder/results/results.json', '',
      ].join('\n'));
      expect(outcome.outputs['/autograder/results/results.json']).toEqual({ ok: true, data: Buffer.from('{"score": 1}\n') });
    });

    it('cannot reach the kernel or the host: mounts, namespaces, sysctls, devices, cgroups, clock, hostname, kernel log, rlimits', async () => {
      const outcome = await run(ctx, {
        user: { ...ROOT },
        argv: sh(`mkdir -p /mnt/x
          mount -t tmpfs none /mnt/x 2>/dev/null || echo MOUNT-DENIED
          mount --bind /etc /mnt/x 2>/dev/null || echo BIND-DENIED
          unshare -U true 2>/dev/null || echo USERNS-DENIED
          unshare -m true 2>/dev/null || echo MOUNTNS-DENIED
          echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo SYSCTL-DENIED
          echo 1 > /proc/sysrq-trigger 2>/dev/null || echo SYSRQ-DENIED
          mknod /tmp/disk b 8 0 2>/dev/null || echo MKNOD-DENIED
          written=0; for f in $(find /sys/fs/cgroup -maxdepth 2 -type f \\( -name cgroup.procs -o -name pids.max -o -name memory.max -o -name memory.limit_in_bytes \\)); do
            echo $$ > "$f" 2>/dev/null && written=1; done; [ $written = 0 ] && echo CGROUP-DENIED
          hostname evil 2>/dev/null || echo HOSTNAME-DENIED
          date -s 2001-01-01 >/dev/null 2>&1; [ "$(date +%Y)" != 2001 ] && echo CLOCK-DENIED
          dmesg >/dev/null 2>&1 || echo KERNEL-LOG-DENIED
          ulimit -n 1048576 2>/dev/null || echo RLIMIT-DENIED
          ls /dev | tr '\\n' ' '; echo
          chroot / true && echo CHROOT-ALLOWED`),
      });
      expect(outcome).toMatchObject({ reason: 'exited' });
      const lines = outcome.stdout.text.trim().split('\n');
      for (const refused of [
        'MOUNT-DENIED', 'BIND-DENIED', 'USERNS-DENIED', 'MOUNTNS-DENIED', 'SYSCTL-DENIED', 'SYSRQ-DENIED', 'MKNOD-DENIED',
        'CGROUP-DENIED', 'HOSTNAME-DENIED', 'CLOCK-DENIED', 'KERNEL-LOG-DENIED', 'RLIMIT-DENIED', 'CHROOT-ALLOWED',
      ]) expect(lines, refused).toContain(refused);
      // Only the runtime's harmless devices; no disk, no memory, no kernel message device.
      const devices = lines.find((line) => line.includes('null'))?.trim().split(' ') ?? [];
      for (const device of devices) expect(['console', 'core', 'fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']).toContain(device);
    });
  });
}
