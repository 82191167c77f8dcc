import { describe, expect, it } from 'vitest';
import { CgroupLayout } from '../../src/sandbox/oci/cgroups.ts';
import { parseMountinfo } from '../../src/sandbox/oci/mountinfo.ts';

const line = (id: number, point: string, type: string, options: string): string =>
  `${id} 1 0:${id} / ${point} rw,nosuid shared:${id} - ${type} ${type} ${options}`;

describe('CgroupLayout', () => {
  it('recognizes hybrid, v1 and v2 hosts from mountinfo', () => {
    const hybrid = new CgroupLayout(parseMountinfo([
      line(30, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
      line(31, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
      line(32, '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
      line(33, '/tmp/with\\040space', 'tmpfs', 'rw'),
    ].join('\n')));
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.hierarchies.map((h) => [h.mountPoint, h.version])).toEqual([
      ['/sys/fs/cgroup/memory', 1], ['/sys/fs/cgroup/cpu,cpuacct', 1], ['/sys/fs/cgroup/unified', 2],
    ]);
    expect(hybrid.hierarchies[1]?.controllers).toEqual(['cpu', 'cpuacct']);
    expect(new CgroupLayout(parseMountinfo(line(30, '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'))).mode).toBe('v1');
    expect(new CgroupLayout(parseMountinfo(line(30, '/sys/fs/cgroup', 'cgroup2', 'rw'))).mode).toBe('v2');
    expect(hybrid.cgroupsPath('gradebox-a')).toBe('/gradebox/gradebox-a');
  });

  it('unescapes mount points', () => {
    expect(parseMountinfo(line(33, '/tmp/with\\040space', 'tmpfs', 'rw'))[0]?.mountPoint).toBe('/tmp/with space');
  });
});
