/**
 * Where runs' transient files go (liveStateDir): a tmpfs base that is this user's own, never one
 * that someone else made first in a world-writable /dev/shm. Bases under a private folder of
 * /dev/shm stand in for /run/gradebox and /dev/shm/gradebox-<uid>.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRunsCanPass, isTmpfs, liveStateDir, makeRunFolder, makeRunFolders, removeLiveStateDir, runsGroup } from '../../src/sandbox/oci/live-dir.ts';
import { stateTag } from '../../src/sandbox/state-tag.ts';

const onShm = isTmpfs('/dev/shm');

describe.skipIf(!onShm)('liveStateDir', () => {
  let shm: string;
  let disk: string;
  let stateDir: string;

  beforeEach(() => {
    shm = mkdtempSync('/dev/shm/gradebox-live-test-');
    disk = mkdtempSync(join(tmpdir(), 'gradebox-live-test-'));
    stateDir = join(disk, 'state');
  });
  afterEach(() => {
    rmSync(shm, { recursive: true, force: true });
    rmSync(disk, { recursive: true, force: true });
  });

  it('makes the first base on a tmpfs, closed to everyone but the runs\' root, and names the state directory by its tag', () => {
    const base = join(shm, 'gradebox');
    expect(liveStateDir(stateDir, [join(disk, 'not-a-tmpfs', 'gradebox'), base])).toBe(join(base, stateTag(stateDir)));
    const stats = lstatSync(base);
    expect(stats.isDirectory()).toBe(true);
    // The runtime prepares a run's root as the run's root (host gid runsGroup): it may pass, nobody else.
    expect(stats.mode & 0o777).toBe(process.geteuid?.() === 0 ? 0o710 : 0o700);
    if (process.geteuid?.() === 0) expect(stats.gid).toBe(runsGroup());
  });

  it.runIf(process.geteuid?.() === 0)('makes the folders on the way to runs passable by the runs\' root only, and remakes them when tidied away', () => {
    const live = join(shm, 'live');
    makeRunFolders(live, join(live, 'runs'));
    makeRunFolder(join(live, 'runs', 'one'));
    rmSync(join(live, 'runs'), { recursive: true });
    makeRunFolder(join(live, 'runs', 'two'));
    for (const dir of [live, join(live, 'runs'), join(live, 'runs', 'two')]) {
      const stats = lstatSync(dir);
      expect([stats.mode & 0o777, stats.uid, stats.gid], dir).toEqual([0o710, 0, runsGroup()]);
    }
    expect(() => makeRunFolder(join(live, 'runs', 'two'))).toThrow(/EEXIST/);
  });

  it('refuses a state directory above which the runs\' root cannot pass, saying what to do', () => {
    // The folders above a live state directory: `disk` (made passable here) and `closed`.
    chmodSync(disk, 0o711);
    const closed = join(disk, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    expect(() => checkRunsCanPass(closed)).toThrow(/closed \(mode 700\) lets no one else pass/);
    chmodSync(closed, 0o711);
    expect(() => checkRunsCanPass(closed)).not.toThrow();
  });

  it('skips a base that is a link, open to others, or (as root) someone else\'s', () => {
    const target = join(shm, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, join(shm, 'link'));
    mkdirSync(join(shm, 'open'), { mode: 0o700 });
    chmodSync(join(shm, 'open'), 0o777);
    const bases = [join(shm, 'link'), join(shm, 'open')];
    if (process.geteuid?.() === 0) {
      mkdirSync(join(shm, 'theirs'), { mode: 0o700 });
      chownSync(join(shm, 'theirs'), 1000, 1000);
      bases.push(join(shm, 'theirs'));
    }
    const fallback = join(shm, 'mine');
    expect(liveStateDir(stateDir, [...bases, fallback])).toBe(join(fallback, stateTag(stateDir)));
    // Each of them alone is refused, and left as it was.
    expect(liveStateDir(join(disk, 'other'), bases)).toBe(join(disk, 'other'));
    expect(lstatSync(join(shm, 'open')).mode & 0o777).toBe(0o777);
  });

  it('keeps a state directory that is itself on a tmpfs', () => {
    const onTmpfs = join(shm, 'state');
    mkdirSync(onTmpfs);
    expect(liveStateDir(onTmpfs, [join(shm, 'gradebox')])).toBe(onTmpfs);
  });

  it.runIf(!isTmpfs(tmpdir()))('falls back to the state directory when no base is on a tmpfs', () => {
    // A base whose parent is a plain disk folder is never used (nor made), though it could be.
    expect(liveStateDir(stateDir, [join(disk, 'gradebox')])).toBe(stateDir);
    expect(() => lstatSync(join(disk, 'gradebox'))).toThrow();
  });
});

describe.skipIf(!onShm)('removeLiveStateDir', () => {
  it('removes empty folders only, keeping whatever a run has in there', async () => {
    const disk = mkdtempSync(join(tmpdir(), 'gradebox-live-test-'));
    try {
      const stateDir = join(disk, 'state');
      const live = liveStateDir(stateDir);
      mkdirSync(join(live, 'runs', 'busy'), { recursive: true });
      mkdirSync(join(live, 'crun'), { recursive: true });
      writeFileSync(join(live, 'runs', 'busy', 'config.json'), '{}');
      await removeLiveStateDir(stateDir);
      expect(existsSync(join(live, 'crun'))).toBe(false);
      expect(readFileSync(join(live, 'runs', 'busy', 'config.json'), 'utf8')).toBe('{}');
      rmSync(join(live, 'runs', 'busy', 'config.json'));
      await removeLiveStateDir(stateDir);
      expect(existsSync(live)).toBe(false);
    } finally {
      rmSync(disk, { recursive: true, force: true });
    }
  });
});
