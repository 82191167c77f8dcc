import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CGROUP_PARENT, CgroupLayout } from '../../src/sandbox/oci/cgroups.ts';
import { parseMountinfo, readMounts } from '../../src/sandbox/oci/mountinfo.ts';

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
    expect(hybrid.cgroupsPath('gradebox-a', true)).toBe('/gradebox/gradebox-a/run');
  });

  it.runIf(process.getuid?.() === 0)('finds, kills and removes what a runtime left in a cgroup below a run\'s own', async () => {
    const layout = new CgroupLayout(await readMounts());
    const pids = layout.hierarchies.find((h) => h.controllers.includes('pids')) ?? layout.hierarchies[0];
    if (pids === undefined) return;
    const name = `gradebox-test-${randomBytes(4).toString('hex')}`;
    layout.createNested(name);
    const leaf = join(pids.mountPoint, CGROUP_PARENT, name, 'run');
    await mkdir(leaf);
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => sleeper.once('exit', (_, signal) => resolve(signal)));
    await writeFile(join(leaf, 'cgroup.procs'), String(sleeper.pid));
    expect(await layout.pids(name)).toEqual([sleeper.pid]);
    await layout.remove(name);
    expect(await exited).toBe('SIGKILL');
    for (const h of layout.hierarchies) expect(existsSync(join(h.mountPoint, CGROUP_PARENT, name)), h.mountPoint).toBe(false);
  });

  it('unescapes mount points', () => {
    expect(parseMountinfo(line(33, '/tmp/with\\040space', 'tmpfs', 'rw'))[0]?.mountPoint).toBe('/tmp/with space');
  });
});
