import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrderedVolume } from '../container-path.ts';
import { copyTree, readTree, treeFootprint, type TreeEntry } from '../copy-tree.ts';
import { hostId, idInRun, type IdRange } from '../id-range.ts';
import { meminfoText } from '../meminfo.ts';
import type { RunSpec } from '../sandbox.ts';
import { execFileOk } from './exec-file.ts';
import { readMounts } from './mountinfo.ts';
import { mount, umount } from './mount-tools.ts';
import { runsGroup } from './live-dir.ts';

/**
 * Host paths of one run's scratch area, a size-limited tmpfs mounted at `dir`. Only what the run
 * may fill lives there: the runtime's own files (config, pid file, log) stay outside, so a run
 * that fills its disk cannot make the runtime fail.
 */
export interface Scratch {
  dir: string;
  /** The directory the overlay root is mounted onto (runtime `root.path`). */
  rootfs: string;
  /** The overlay for the run's root: the image below, the writable layer above. */
  overlay: { lowerdir: string; upperdir: string; workdir: string };
  /** Host directory of each `spec.volumes[i]`, by index. */
  volumeDirs: string[];
  /** Host file of each `spec.files[i]`, by index. */
  fileSources: string[];
  /** The run's /proc/meminfo (see ../meminfo.ts). */
  meminfo: string;
}

const MiB = 1024 * 1024;
const COPY_TIMEOUT_MS = 5 * 60_000;
/** Mount source of scratch tmpfs mounts, so people and leftover checks can find them in mountinfo. */
export const SCRATCH_SOURCE = 'gradebox-scratch';
/** Mount source of run overlays, so people and leftover checks can find them in mountinfo. */
export const OVERLAY_SOURCE = 'gradebox-overlay';
/**
 * The overlay is mounted from inside the scratch directory with these relative names (the image
 * through a symbolic link), because overlayfs shows its options in every /proc/…/mountinfo,
 * the run's own included: the run learns nothing of the host's paths.
 */
const OVERLAY_NAMES = { lowerdir: 'image', upperdir: 'upper', workdir: 'work' } as const;

/** Where everything of a run lives under its scratch directory `dir` (no side effects). */
export function scratchLayout(dir: string, spec: RunSpec): Scratch {
  if (!spec.image.rootfs.startsWith('/')) throw new RangeError(`image root filesystem must be an absolute path, got ${JSON.stringify(spec.image.rootfs)}`);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    overlay: { lowerdir: spec.image.rootfs, upperdir: join(dir, OVERLAY_NAMES.upperdir), workdir: join(dir, OVERLAY_NAMES.workdir) },
    volumeDirs: spec.volumes.map((_, index) => join(dir, 'vol', String(index))),
    fileSources: spec.files.map((_, index) => join(dir, 'files', String(index))),
    meminfo: join(dir, 'meminfo'),
  };
}

/**
 * Mounts the run's scratch tmpfs at `scratch.dir`, with room for `writableMiB` of writes plus
 * the copied inputs, and lays out the overlay's upper and work directories, the volumes, the
 * files and /proc/meminfo, owned by the ids the run sees (`range`): a `user` volume by the run's
 * user, everything else by its root. The overlay is mounted on `scratch.rootfs` and unmounted with
 * the scratch; the image directory is only ever a lower layer, so it is never written. With
 * `spec.rootWritable`, the root directory `/` of the run is writable by everyone, sticky as /tmp.
 */
export async function createScratch(scratch: Scratch, spec: RunSpec, volumes: readonly OrderedVolume[], range: IdRange): Promise<void> {
  const { dir, overlay } = scratch;
  const image = await stat(overlay.lowerdir);
  if (!image.isDirectory()) throw new RangeError(`image root filesystem is not a directory: ${overlay.lowerdir}`);
  if (idInRun(range, image.uid) === undefined || idInRun(range, image.gid) === undefined) {
    throw new RangeError(
      `image root filesystem ${overlay.lowerdir} is owned by ${image.uid}:${image.gid}, outside the sandbox's ids (${range.base}…${range.base + range.size - 1}): ` +
      'runs need roots unpacked by the image store, which shifts owners into that range',
    );
  }
  const trees = new Map<number, TreeEntry[]>();
  await Promise.all(volumes.map(async ({ index, volume }) => {
    if (volume.copyFrom !== undefined) trees.set(index, await readTree(volume.copyFrom));
  }));
  const inputs = [...trees.values()].reduce((sum, entries) => sum + treeFootprint(entries), 0)
    + spec.files.reduce((sum, file) => sum + 4096 + Math.ceil(Buffer.byteLength(file.content) / 4096) * 4096, 0);
  const sizeKiB = Math.ceil((spec.limits.writableMiB * MiB + inputs + 64 * 1024) / 1024);
  const inodes = Math.max(16384, spec.limits.writableMiB * 256) + Math.ceil(inputs / 4096);

  // The folders and small files of a run are made synchronously: they are in memory (the live
  // state directory and the scratch tmpfs), where a thread-pool round trip costs more than the call.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // On the way to the run's root, which the runtime prepares as the run's root (see runsGroup).
  const options = `size=${sizeKiB}k,nr_inodes=${inodes},mode=0710,gid=${runsGroup()},nosuid,nodev`;
  const mounted = await mount(['-t', 'tmpfs', '-o', options, SCRATCH_SOURCE, dir]);
  if (mounted.code !== 0) throw new Error(`cannot mount the run's scratch space: ${mounted.output.trim()}`);

  for (const sub of ['rootfs', 'work', 'vol', 'files']) mkdirSync(join(dir, sub), { mode: 0o700 });
  // The overlay's root directory takes its owner and mode from the upper layer's root.
  mkdirSync(overlay.upperdir, { mode: 0o700 });
  chownSync(overlay.upperdir, image.uid, image.gid);
  chmodSync(overlay.upperdir, spec.rootWritable === true ? 0o1777 : image.mode & 0o7777);
  symlinkSync(overlay.lowerdir, join(dir, OVERLAY_NAMES.lowerdir));
  const root = { uid: hostId(range, 0), gid: hostId(range, 0) };
  const user = { uid: hostId(range, spec.user.uid), gid: hostId(range, spec.user.gid) };
  writeFileSync(scratch.meminfo, meminfoText(spec.limits.memoryMiB), { mode: 0o444 });
  chownSync(scratch.meminfo, root.uid, root.gid);

  const fill = async (): Promise<void> => {
    for (const { index, volume } of volumes) {
      const volumeDir = scratch.volumeDirs[index] ?? join(dir, 'vol', String(index));
      const owner = volume.owner === 'user' ? user : root;
      mkdirSync(volumeDir, { mode: 0o755 });
      chownSync(volumeDir, owner.uid, owner.gid);
      const tree = trees.get(index);
      if (tree !== undefined) await copyTree(tree, volumeDir, owner);
    }
    for (const [index, file] of spec.files.entries()) {
      const source = scratch.fileSources[index] ?? join(dir, 'files', String(index));
      writeFileSync(source, file.content, { mode: 0o444 });
      chownSync(source, root.uid, root.gid);
    }
  };
  // The overlay mount (~1 ms through the mount helper) overlaps the copying. Both settle before
  // a failure is reported, so cleanup never races a mount still in progress.
  const results = await Promise.allSettled([mountOverlay(scratch), fill()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

async function mountOverlay({ dir, rootfs }: Scratch): Promise<void> {
  const { lowerdir, upperdir, workdir } = OVERLAY_NAMES;
  const options = `lowerdir=${lowerdir},upperdir=${upperdir},workdir=${workdir},nosuid,nodev`;
  const mounted = await mount(['-t', 'overlay', '-o', options, OVERLAY_SOURCE, rootfs], { cwd: dir });
  if (mounted.code !== 0) throw new Error(`cannot mount the run's root filesystem: ${mounted.output.trim()}`);
}

/** Copies what a kept run left (writable layer, volumes, config) to the plain directory `to`. */
export async function keepScratch(scratch: Scratch, volumes: readonly OrderedVolume[], to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  // cp -a copies links as links and keeps sparse files sparse; the run is dead, nothing moves.
  // Kept runs are for debugging, so a slow copy of a big scratch area is allowed minutes.
  await execFileOk('cp', ['-a', '--', `${scratch.overlay.upperdir}/.`, join(to, 'rootfs-changes')], COPY_TIMEOUT_MS);
  for (const { index, target } of volumes) {
    const source = scratch.volumeDirs[index];
    if (source === undefined) continue;
    const dest = join(to, 'volumes', target);
    await mkdir(dest, { recursive: true });
    await execFileOk('cp', ['-a', '--', `${source}/.`, dest], COPY_TIMEOUT_MS);
  }
}

/**
 * Unmounts the scratch tmpfs (and the overlay on it, if mounted on the host) and removes the run
 * directory `dir` that holds it. The fast path is one `umount` naming both mounts, innermost
 * first (3.5 ms against 3.9 ms for `umount --recursive`, which reads mountinfo, when measured
 * with util-linux spawned for each); anything else (a half-made scratch, a stale one) is found in
 * mountinfo, and nothing is removed while something below `dir` is still mounted.
 */
export async function destroyRunDir(dir: string, scratch: Scratch): Promise<void> {
  const fast = await umount([scratch.rootfs, scratch.dir]);
  if (fast.code !== 0) await unmountBelow(dir);
  // Bundle files and empty mount points, in the live state directory (see createScratch).
  rmSync(dir, { recursive: true, force: true });
}

/** Unmounts every mount at or below `dir`, deepest first, lazily if a mount is busy. */
export async function unmountBelow(dir: string): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const targets = (await readMounts())
      .map((m) => m.mountPoint)
      .filter((point) => point === dir || point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    if (targets.length === 0) return;
    for (const target of targets) {
      const result = await umount([target]);
      if (result.code !== 0) await umount(['-l', target]);
    }
  }
  throw new Error(`cannot unmount the scratch space at ${dir}`);
}
