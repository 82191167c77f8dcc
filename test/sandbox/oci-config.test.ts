import { describe, expect, it } from 'vitest';
import { buildOciConfig, type OciHostPaths } from '../../src/sandbox/oci/oci-config.ts';
import { makeSpec } from './cases/context.ts';

const host: OciHostPaths = {
  rootfs: '/s/rootfs',
  overlay: { lowerdir: '/img', upperdir: '/s/upper', workdir: '/s/work' },
  overlayMount: 'runtime',
  volumeDirs: ['/s/vol/0', '/s/vol/1'],
  fileSources: ['/s/files/0'],
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
    expect(config.linux.namespaces.map((n) => n.type).sort()).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    expect(Object.values(config.process.capabilities).flat()).toEqual([]);
    expect(config.process.noNewPrivileges).toBe(true);
    expect(config.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [] });
    expect(config.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(config.linux.maskedPaths).toContain('/proc/kcore');
    expect(config.linux.readonlyPaths).toContain('/proc/sys');
    expect(config.hostname).toBe('grader');
  });

  it('sets cgroup limits: memory with equal memory+swap, fractional CPU quota, pids', () => {
    expect(config.linux.resources.memory).toEqual({ limit: 300 * 1024 * 1024, swap: 300 * 1024 * 1024 });
    expect(config.linux.resources.cpu).toEqual({ quota: 150_000, period: 100_000 });
    expect(config.linux.resources.pids).toEqual({ limit: 50 });
    expect(config.linux.cgroupsPath).toBe('/gradebox/gradebox-x');
    expect(config.process.rlimits).toContainEqual({ type: 'RLIMIT_CORE', hard: 0, soft: 0 });
    expect(config.process.rlimits).toContainEqual({ type: 'RLIMIT_CPU', hard: 95, soft: 95 });
  });

  it('mounts the overlay first, then the system mounts, then volumes parent-first, then files', () => {
    expect(config.mounts[0]).toMatchObject({ destination: '/', type: 'overlay', options: expect.arrayContaining(['lowerdir=/img', 'upperdir=/s/upper']) as unknown });
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
    expect(open.linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
    expect(open.linux.resources.memory?.swap).toBeUndefined();
  });

  it('for crun: no overlay mount when the supervisor mounts the root, a compiled seccomp program, memory left to the parent cgroup', () => {
    const crun = buildOciConfig(spec, { ...host, overlayMount: 'host', seccompBpf: 'AAAA', memoryOnParent: { dir: '/m/g/x', from: '/m/g/x/run/cgroup.procs', to: '/m/g/x/cgroup.procs' } });
    expect(crun.mounts.map((m) => m.destination)).not.toContain('/');
    expect(crun.mounts.map((m) => m.destination).slice(0, 2)).toEqual(['/proc', '/dev']);
    expect(crun.root).toEqual({ path: '/s/rootfs', readonly: false });
    expect(crun.annotations).toEqual({ 'run.oci.seccomp_bpf_data': 'AAAA' });
    expect(crun.linux.seccomp).toBeUndefined();
    expect(crun.linux.resources.memory).toBeUndefined();
    expect(crun.linux.resources.pids).toEqual({ limit: 50 });
    expect(crun.hooks?.createRuntime?.[0]?.args?.slice(-2)).toEqual(['/m/g/x/cgroup.procs', '/m/g/x/run/cgroup.procs']);
    expect(crun.linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
    expect(crun.mounts.find((m) => m.destination === '/sys/fs/cgroup/memory')).toMatchObject({ source: '/m/g/x', options: expect.arrayContaining(['ro']) as unknown });
    expect(config.annotations).toBeUndefined();
    expect(config.hooks).toBeUndefined();
  });

  it.each([
    [{ user: { uid: 0, gid: 1000 } }, /non-root/],
    [{ cwd: 'relative' }, /cwd/],
    [{ env: { 'A=B': 'x' } }, /environment/],
    [{ volumes: [{ target: '/proc/x', readOnly: false, owner: 'user' as const }] }, /under \/proc/],
    [{ volumes: [{ target: '/a/../etc', readOnly: false, owner: 'user' as const }] }, /\.\./],
    [{ files: [{ target: 'meta.json', content: '' }] }, /absolute/],
  ])('rejects an unsafe spec: %o', (overrides, message) => {
    expect(() => buildOciConfig(makeSpec(image, overrides), host)).toThrow(message);
  });
});
