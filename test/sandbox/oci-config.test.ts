import { describe, expect, it } from 'vitest';
import { ROOT_CAPABILITIES } from '../../src/sandbox/capabilities.ts';
import { openFilesPerProcess, RUN_PTYS, USER_NAMESPACE_LIMITS } from '../../src/sandbox/kernel-budgets.ts';
import { buildOciConfig, type OciHostPaths } from '../../src/sandbox/oci/oci-config.ts';
import { makeSpec } from './cases/context.ts';

const host: OciHostPaths = {
  rootfs: '/s/rootfs',
  idRange: { base: 0x7000_0000, size: 65536 },
  hookTools: { nsenter: '/usr/bin/nsenter' },
  volumeDirs: ['/s/vol/0', '/s/vol/1'],
  fileSources: ['/s/files/0'],
  meminfo: '/s/meminfo',
  cgroupsPath: '/gradebox/gradebox-x',
  cgroupNamespace: true,
  swapLimit: true,
};
const image = { id: 'x', rootfs: '/img' };

describe('buildOciConfig', () => {
  const spec = makeSpec(image, {
    argv: ['grade', 'part 1'],
    env: { partId: 'p1' },
    volumes: [
      { target: '/shared/submission', readOnly: true, owner: 'root' },
      { target: '/shared/', readOnly: false, owner: 'user' },
    ],
    files: [{ target: '/autograder/meta.json', content: '{}' }],
    limits: { cpus: 1.5, memoryMiB: 300, pids: 50, tmpMiB: 20, timeoutSeconds: 60 },
  });
  const config = buildOciConfig(spec, host);

  it('isolates: all namespaces, no capabilities, no_new_privs, seccomp, non-root', () => {
    expect(config.linux.namespaces.map((n) => n.type).sort()).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts']);
    expect(Object.values(config.process.capabilities).flat()).toEqual([]);
    expect(config.process.noNewPrivileges).toBe(true);
    expect(config.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [] });
    expect(config.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(config.linux.maskedPaths).toContain('/proc/kcore');
    expect(config.linux.readonlyPaths).toContain('/proc/sys');
    expect(config.hostname).toBe('grader');
  });

  it("maps the run's ids 0…65535 to gradebox's host range, never to host root", () => {
    const mapping = [{ containerID: 0, hostID: 0x7000_0000, size: 65536 }];
    expect(config.linux.uidMappings).toEqual(mapping);
    expect(config.linux.gidMappings).toEqual(mapping);
  });

  it("gives root a container root's capabilities (without NET_RAW and MKNOD), still under no_new_privs and seccomp", () => {
    const root = buildOciConfig(makeSpec(image, { user: { uid: 0, gid: 0 } }), host);
    expect(root.process.user).toEqual({ uid: 0, gid: 0, additionalGids: [] });
    const { bounding, effective, permitted, inheritable, ambient } = root.process.capabilities;
    expect([bounding, effective, permitted]).toEqual([[...ROOT_CAPABILITIES], [...ROOT_CAPABILITIES], [...ROOT_CAPABILITIES]]);
    expect([inheritable, ambient]).toEqual([[], []]);
    expect(ROOT_CAPABILITIES).toEqual(expect.arrayContaining(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL']));
    for (const cap of ['CAP_NET_RAW', 'CAP_MKNOD', 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_RESOURCE']) expect(ROOT_CAPABILITIES).not.toContain(cap);
    expect(root.process.noNewPrivileges).toBe(true);
    expect(root.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
  });

  it('bounds host-wide kernel budgets: open files, ptys, and the namespace limits set by the hook', () => {
    expect(config.process.rlimits).toContainEqual({ type: 'RLIMIT_NOFILE', hard: openFilesPerProcess(50), soft: openFilesPerProcess(50) });
    expect(config.mounts.find((m) => m.destination === '/dev/pts')?.options).toContain(`max=${RUN_PTYS}`);
    const hook = config.hooks?.createRuntime?.[0];
    expect(hook?.path).toBe('/bin/sh');
    expect(hook?.args?.[4]).toBe('/usr/bin/nsenter');
    for (const [name, value] of Object.entries(USER_NAMESPACE_LIMITS)) expect(hook?.args?.[2]).toContain(`echo ${value} > /proc/sys/user/${name}`);
    // With busybox installed, its shell runs the hook (it reads the state up to the pid only).
    const withBusybox = buildOciConfig(spec, { ...host, hookTools: { nsenter: '/usr/bin/nsenter', busybox: '/usr/bin/busybox' } });
    const busyboxHook = withBusybox.hooks?.createRuntime?.[0];
    expect(busyboxHook?.path).toBe('/usr/bin/busybox');
    expect(busyboxHook?.args?.slice(0, 2)).toEqual(['busybox', 'sh']);
    expect(busyboxHook?.args?.slice(5)).toEqual(['/usr/bin/nsenter', '/usr/bin/busybox']);
  });

  it("shows the run its own memory limit as /proc/meminfo and masks the host's boot line and hardware names", () => {
    expect(config.mounts.find((m) => m.destination === '/proc/meminfo')).toMatchObject({ type: 'bind', source: '/s/meminfo', options: expect.arrayContaining(['ro']) as unknown });
    expect(config.linux.maskedPaths).toEqual(expect.arrayContaining(['/proc/cmdline', '/sys/devices/virtual/dmi', '/sys/firmware']));
  });

  it('sets cgroup limits: memory with equal memory+swap, fractional CPU quota, pids', () => {
    expect(config.linux.resources.memory).toEqual({ limit: 300 * 1024 * 1024, swap: 300 * 1024 * 1024 });
    expect(config.linux.resources.cpu).toEqual({ quota: 150_000, period: 100_000 });
    expect(config.linux.resources.pids).toEqual({ limit: 50 });
    expect(config.linux.cgroupsPath).toBe('/gradebox/gradebox-x');
    expect(config.process.rlimits).toContainEqual({ type: 'RLIMIT_CORE', hard: 0, soft: 0 });
    expect(config.process.rlimits).toContainEqual({ type: 'RLIMIT_CPU', hard: 95, soft: 95 });
  });

  it('mounts the system mounts over the supervisor-mounted root, then volumes parent-first, then files', () => {
    expect(config.root).toEqual({ path: '/s/rootfs', readonly: false });
    expect(config.mounts.map((m) => m.destination)).not.toContain('/');
    expect(config.mounts.map((m) => m.destination).slice(0, 3)).toEqual(['/proc', '/proc/meminfo', '/dev']);
    const destinations = config.mounts.map((m) => m.destination);
    expect(destinations.slice(-3)).toEqual(['/shared', '/shared/submission', '/autograder/meta.json']);
    expect(config.mounts.find((m) => m.destination === '/shared/submission')).toMatchObject({ source: '/s/vol/0', options: expect.arrayContaining(['ro']) as unknown });
    expect(config.mounts.find((m) => m.destination === '/shared')).toMatchObject({ source: '/s/vol/1', options: expect.arrayContaining(['rw']) as unknown });
    expect(config.mounts.find((m) => m.destination === '/tmp')?.options).toContain('size=20m');
    expect(config.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
  });

  it('passes argv and env, adding a default PATH', () => {
    expect(config.process.args).toEqual(['grade', 'part 1']);
    expect(config.process.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'partId=p1']);
  });

  it('shares the host network only when asked, and leaves out what the host cannot do', () => {
    const open = buildOciConfig(makeSpec(image, { network: true }), { ...host, cgroupNamespace: false, swapLimit: false });
    expect(open.linux.namespaces.map((n) => n.type)).not.toContain('network');
    // A user namespace cannot mount sysfs for the host's network namespace: the host's is bound.
    expect(open.mounts.find((m) => m.destination === '/sys')).toMatchObject({ type: 'bind', source: '/sys', options: expect.arrayContaining(['rbind', 'ro']) as unknown });
    expect(open.linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
    expect(open.linux.resources.memory?.swap).toBeUndefined();
  });

  it('for crun: a compiled seccomp program, memory left to the parent cgroup', () => {
    const crun = buildOciConfig(spec, { ...host, seccompBpf: 'AAAA', memoryOnParent: { dir: '/m/g/x', from: '/m/g/x/run/cgroup.procs', to: '/m/g/x/cgroup.procs' } });
    expect(crun.annotations).toEqual({ 'run.oci.seccomp_bpf_data': 'AAAA' });
    expect(crun.linux.seccomp).toBeUndefined();
    expect(crun.linux.resources.memory).toBeUndefined();
    expect(crun.linux.resources.pids).toEqual({ limit: 50 });
    expect(crun.hooks?.createRuntime?.[0]?.args?.slice(-2)).toEqual(['/m/g/x/cgroup.procs', '/m/g/x/run/cgroup.procs']);
    expect(crun.linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
    expect(crun.mounts.find((m) => m.destination === '/sys/fs/cgroup/memory')).toMatchObject({ source: '/m/g/x', options: expect.arrayContaining(['ro']) as unknown });
    expect(config.annotations).toBeUndefined();
    expect(config.hooks?.createRuntime?.[0]?.args).toHaveLength(6);
  });

  it.each([
    [{ user: { uid: 65536, gid: 1000 } }, /uid and gid from 0 to 65535/],
    [{ user: { uid: -1, gid: 0 } }, /uid and gid from 0 to 65535/],
    [{ user: { uid: 1.5, gid: 0 } }, /uid and gid from 0 to 65535/],
    [{ cwd: 'relative' }, /cwd/],
    [{ env: { 'A=B': 'x' } }, /environment/],
    [{ volumes: [{ target: '/proc/x', readOnly: false, owner: 'user' as const }] }, /under \/proc/],
    [{ volumes: [{ target: '/a/../etc', readOnly: false, owner: 'user' as const }] }, /\.\./],
    [{ files: [{ target: 'meta.json', content: '' }] }, /absolute/],
  ])('rejects an unsafe spec: %o', (overrides, message) => {
    expect(() => buildOciConfig(makeSpec(image, overrides), host)).toThrow(message);
  });
});
