import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMounts } from '../../src/sandbox/oci/mountinfo.ts';
import { mount, umount } from '../../src/sandbox/oci/mount-tools.ts';

const base = mkdtempSync(join(tmpdir(), 'gradebox-mount-tools-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Pids of this process's children (the mount helper's shell among them). */
function children(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      // "pid (comm) state ppid ...": the parent pid is the second field after the command name.
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(process.pid);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('mount tools', () => {
  it('mounts and unmounts paths that need quoting, from parallel callers', async () => {
    const dirs = [join(base, "it's here"), join(base, 'a "b" $HOME `id` \\ c')];
    for (const dir of dirs) mkdirSync(dir);
    const mounted = await Promise.all(dirs.map((dir) => mount(['-t', 'tmpfs', '-o', 'size=1m', 'gradebox-test', dir])));
    expect(mounted.map((r) => r.code)).toEqual([0, 0]);
    const points = (await readMounts()).map((m) => m.mountPoint);
    for (const dir of dirs) expect(points).toContain(dir);
    expect(await umount(dirs)).toEqual({ code: 0, output: '' });
    expect((await readMounts()).map((m) => m.mountPoint).filter((point) => point.startsWith(base))).toEqual([]);
  });

  it('reports a failure with its exit code and message', async () => {
    const result = await umount([join(base, 'not-mounted')]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/not-mounted/);
  });

  it('refuses arguments a line-based protocol cannot carry', async () => {
    await expect(mount(['-t', 'tmpfs', 'x', 'a\nb'])).rejects.toThrow(/newlines/);
  });

  it('starts a new shell when its shell dies', async () => {
    await umount([join(base, 'warm-up')]);
    const shells = children();
    expect(shells.length).toBeGreaterThan(0);
    for (const pid of shells) process.kill(pid, 'SIGKILL');
    const dir = join(base, 'after-kill');
    mkdirSync(dir);
    let result = await mount(['-t', 'tmpfs', 'gradebox-test', dir]);
    // The first call may meet the dying shell; the next one gets a fresh shell.
    if (result.code !== 0) result = await mount(['-t', 'tmpfs', 'gradebox-test', dir]);
    expect(result.code).toBe(0);
    expect((await umount([dir])).code).toBe(0);
  });

  it('does not keep the supervisor alive once idle', () => {
    const script = `import(${JSON.stringify(new URL('../../src/sandbox/oci/mount-tools.ts', import.meta.url).href)}).then((m) => m.umount(['/nonexistent'])).then((r) => console.log(r.code))`;
    // Kept alive, the process would never exit by itself: spawnSync would kill it at its timeout.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).not.toBe('0');
  });
});
