/**
 * The environment checks on this machine, for real: no mocks. A fresh GRADEBOX_HOME for the file,
 * so the runtime verdict is proven here rather than read from someone else's cache.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupLayout } from '../../src/sandbox/oci/cgroups.ts';
import { runChecks, type Check, type CheckReport } from '../../src/sanity/environment/check.ts';
import { cgroupsCheck, describeCgroups, hostCgroups } from '../../src/sanity/environment/cgroups.ts';
import { diskSpaceCheck } from '../../src/sanity/environment/disk-space.ts';
import { dockerDaemonCheck } from '../../src/sanity/environment/docker-daemon.ts';
import { environmentChecks } from '../../src/sanity/environment/environment-checks.ts';
import { overlayfsCheck, tmpfsCheck } from '../../src/sanity/environment/kernel-filesystems.ts';
import { idRangeCheck } from '../../src/sanity/environment/id-range.ts';
import { namespacesCheck } from '../../src/sanity/environment/namespaces.ts';
import { nodeVersionCheck } from '../../src/sanity/environment/node-version.ts';
import { hybridCrunProblem, ociRuntimeCheck } from '../../src/sanity/environment/oci-runtime.ts';
import { rootUserCheck } from '../../src/sanity/environment/root-user.ts';
import { sandboxTrialCheck } from '../../src/sanity/environment/sandbox-trial.ts';
import { sandboxStateDir } from '../../src/toolkit/gradebox-home.ts';
import { liveStateDir } from '../../src/sandbox/oci/live-dir.ts';

const asRoot = process.getuid?.() === 0 ? it : it.skip;
let home: string;
let stateDir: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'gradebox-sanity-env-'));
  stateDir = sandboxStateDir(home);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function run(check: Check): Promise<CheckReport> {
  const [report] = await runChecks([check]);
  if (report === undefined) throw new Error('no report');
  return report;
}

describe('the basics', () => {
  it('Node.js: this one passes; 20 fails with the fix', async () => {
    expect(await run(nodeVersionCheck())).toMatchObject({ id: 'node', status: 'pass', detail: process.versions.node });
    expect(await run(nodeVersionCheck('20.11.1'))).toMatchObject({ status: 'fail', detail: '20.11.1; gradebox needs 24 or later', fix: expect.stringMatching(/bin\/gradebox\.js/) as string });
  });

  it('root: this test runs as root; another uid fails with the fix', async () => {
    expect((await run(rootUserCheck())).status).toBe(process.getuid?.() === 0 ? 'pass' : 'fail');
    expect(await run(rootUserCheck(1000))).toMatchObject({ status: 'fail', fix: 'run gradebox as root (sudo)' });
  });
});

describe('the kernel', () => {
  asRoot('namespaces: all six really created', async () => {
    expect(await run(namespacesCheck())).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^user, pid, mount, net, ipc, uts.*: created all at once with unshare$/) as string });
  });

  it("id range: passes here; an account, a group or another user's subordinate range in it fails, naming it", async () => {
    expect(await run(idRangeCheck())).toMatchObject({ id: 'id-range', status: 'pass', detail: expect.stringMatching(/^runs use host ids 1879048192…1879113727, which no/) as string });
    const dir = await mkdtemp(join(tmpdir(), 'gradebox-ids-'));
    try {
      const file = async (name: string, text: string): Promise<string> => {
        await writeFile(join(dir, name), text);
        return join(dir, name);
      };
      const files = {
        passwd: await file('passwd', 'root:x:0:0::/root:/bin/sh\nintruder:x:1879049192:100::/home/i:/bin/sh\n'),
        group: await file('group', 'root:x:0:\n'),
        subuid: await file('subuid', 'alice:100000:65536\nbob:1879000000:100000\n'),
        subgid: await file('subgid', '# none\n'),
      };
      expect(await run(idRangeCheck(files))).toMatchObject({
        status: 'fail',
        detail: 'runs use host ids 1879048192…1879113727, which user intruder (1879049192), subuid range of bob (1879000000+100000) also use',
        fix: expect.stringMatching(/GRADEBOX_ID_BASE/) as string,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cgroups: the layout and the controllers the limits need', async () => {
    const layout = await hostCgroups();
    const report = await run(cgroupsCheck());
    expect(report.status).not.toBe('fail');
    expect(report.detail).toMatch(new RegExp(`^${describeCgroups(layout).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(report.detail).toMatch(/^(v1|v2|hybrid): /);
    expect(report.detail).toMatch(/memory/);
  });

  it('overlayfs and tmpfs', async () => {
    expect(await run(overlayfsCheck())).toMatchObject({ id: 'overlayfs', status: 'pass' });
    expect(await run(tmpfsCheck())).toMatchObject({ id: 'tmpfs', status: 'pass' });
  });
});

describe('the sandbox', () => {
  asRoot('OCI runtime: one is chosen by a real trial, and the verdict is cached in the fresh home', async () => {
    expect(existsSync(join(stateDir, 'runtime-verdict.json'))).toBe(false);
    const report = await run(ociRuntimeCheck(stateDir));
    expect(report.status, report.detail).not.toBe('fail');
    expect(report.detail).toMatch(/^(crun|runc) \S+ \(\/\S+\)/);
    // crun refused on a hybrid host is a warning with the fix setup.sh applies, never a failure.
    if (report.status === 'warn') expect(report.fix).toMatch(/scripts\/setup\.sh|runc works/);
    expect(existsSync(join(stateDir, 'runtime-verdict.json'))).toBe(true);
  });

  asRoot('sandbox trial: a real run with runc', async () => {
    const report = await run(sandboxTrialCheck(stateDir, 'runc'));
    expect(report, report.detail).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^sh -c 'echo ok' ran as uid 1000 of its own user namespace in a fresh sandbox in \d+ ms; runs live on a tmpfs \(\/(run|dev\/shm)\/gradebox[^)]*\)$/) as string });
  });

  asRoot('sandbox trial: a real run with the runtime the sandbox picks; nothing left in the state directory', async () => {
    const report = await run(sandboxTrialCheck(stateDir));
    expect(report.status, report.detail).toBe('pass');
    expect(existsSync(join(liveStateDir(stateDir), 'runs'))).toBe(true);
    expect(await readdir(join(liveStateDir(stateDir), 'runs'))).toEqual([]);
  });
});

describe('Docker and disk', () => {
  it('Docker: the daemon on this machine answers with its version', async () => {
    expect(await run(dockerDaemonCheck())).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^Docker \S+ \(API [\d.]+\) at /) as string });
  });

  it('Docker: DOCKER_HOST is honoured; nobody there is a warning, not a failure', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(home, 'no-docker.sock')}`;
    try {
      const report = await run(dockerDaemonCheck());
      expect(report).toMatchObject({ status: 'warn', fix: expect.stringMatching(/systemctl start docker|DOCKER_HOST/) as string });
      expect(report.detail).toContain(`no Docker daemon answers at unix://${join(home, 'no-docker.sock')} (ENOENT)`);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('disk space: pass here; the thresholds decide warn and fail; a home not made yet is measured at its parent', async () => {
    expect(await run(diskSpaceCheck({ path: home }))).toMatchObject({ status: 'pass', detail: expect.stringMatching(/ free for /) as string });
    const huge = 2 ** 60;
    expect(await run(diskSpaceCheck({ path: home, warnBelowBytes: huge }))).toMatchObject({ status: 'warn', fix: expect.stringMatching(/GRADEBOX_HOME/) as string });
    expect(await run(diskSpaceCheck({ path: home, warnBelowBytes: huge, failBelowBytes: huge }))).toMatchObject({ status: 'fail' });
    const later = join(home, 'not', 'yet');
    expect((await run(diskSpaceCheck({ path: later }))).detail).toContain(`${later} (not created yet; measured at ${home})`);
  });
});

describe('runChecks and the list', () => {
  it('keeps the order, times each check, and turns a throwing check into a fail', async () => {
    const reports = await runChecks([
      { id: 'slow', title: 'slow', run: async () => { await new Promise((r) => setTimeout(r, 30)); return { status: 'pass', detail: 'late' }; } },
      { id: 'boom', title: 'boom', run: async () => { throw new Error('kaput'); } },
    ]);
    expect(reports.map((r) => [r.id, r.status])).toEqual([['slow', 'pass'], ['boom', 'fail']]);
    expect(reports[0]?.ms).toBeGreaterThanOrEqual(25);
    expect(reports[1]?.detail).toBe('the check itself failed: kaput');
  });

  it('environmentChecks lists every check once', () => {
    expect(environmentChecks(home).map((c) => c.id)).toEqual([
      'node', 'root', 'namespaces', 'id-range', 'cgroups', 'overlayfs', 'tmpfs', 'oci-runtime', 'sandbox-trial', 'docker', 'disk-space',
    ]);
  });
});

describe('crun on a hybrid cgroup host', () => {
  /** A CgroupLayout over a v1 memory hierarchy and a v2 one whose cgroup.controllers lists `controllers`. */
  async function hybridLayout(controllers: string): Promise<CgroupLayout> {
    const unified = await mkdtemp(join(home, 'unified-'));
    await writeFile(join(unified, 'cgroup.controllers'), controllers);
    return new CgroupLayout([
      { root: '/', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', source: 'cgroup', superOptions: ['rw', 'memory'] },
      { root: '/', mountPoint: unified, fsType: 'cgroup2', source: 'cgroup2', superOptions: ['rw'] },
    ]);
  }

  it('controllers left on the v2 side: the reason, and the fix scripts/setup.sh applies', async () => {
    const problem = hybridCrunProblem(await hybridLayout('hugetlb misc\n'));
    expect(problem?.detail).toMatch(/^it refuses this hybrid cgroup host because hugetlb, misc are enabled on the v2 hierarchy/);
    expect(problem?.fix).toBe('bind the unused v2 controllers to v1 as scripts/setup.sh does (run it, or: ' +
      'mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb && ' +
      'mkdir -p /sys/fs/cgroup/misc && mount -t cgroup -o misc cgroup /sys/fs/cgroup/misc)');
  });

  it('nothing on the v2 side, or a pure v2 host: not that problem', async () => {
    expect(hybridCrunProblem(await hybridLayout(''))).toBeUndefined();
    expect(hybridCrunProblem(new CgroupLayout([{ root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', source: 'cgroup2', superOptions: ['rw'] }]))).toBeUndefined();
  });
});
