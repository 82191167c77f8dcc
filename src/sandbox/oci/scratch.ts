import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrderedVolume } from '../container-path.ts';
import { copyTree, readTree, treeFootprint, type TreeEntry } from '../copy-tree.ts';
import type { RunSpec } from '../sandbox.ts';
import { execFileOk } from './exec-file.ts';
import { readMounts } from './mountinfo.ts';
import { mount, umount } from './mount-tools.ts';
import { OVERLAY_SOURCE } from './oci-config.ts';

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
  /** Whether the supervisor mounts the overlay on `rootfs` (else the runtime does, in the run's namespace). */
  overlayOnHost: boolean;
  /** Host directory of each `spec.volumes[i]`, by index. */
  volumeDirs: string[];
  /** Host file of each `spec.files[i]`, by index. */
  fileSources: string[];
}

const MiB = 1024 * 1024;
const COPY_TIMEOUT_MS = 5 * 60_000;
/** Mount source of scratch tmpfs mounts, so people and leftover checks can find them in mountinfo. */
export const SCRATCH_SOURCE = 'gradebox-scratch';

function lowerDir(rootfs: string): string {
  // overlayfs splits its options on "," and lowerdir on ":"; refuse rather than mis-mount.
  if (!rootfs.startsWith('/') || /[,:\\\n]/.test(rootfs)) {
    throw new RangeError(`image root filesystem path cannot be used with overlayfs: ${JSON.stringify(rootfs)}`);
  }
  return rootfs;
}

/** Where everything of a run lives under its scratch directory `dir` (no side effects). */
export function scratchLayout(dir: string, spec: RunSpec, overlayMount: 'runtime' | 'host'): Scratch {
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    overlay: { lowerdir: lowerDir(spec.image.rootfs), upperdir: join(dir, 'upper'), workdir: join(dir, 'work') },
    overlayOnHost: overlayMount === 'host',
    volumeDirs: spec.volumes.map((_, index) => join(dir, 'vol', String(index))),
    fileSources: spec.files.map((_, index) => join(dir, 'files', String(index))),
  };
}

/**
 * Mounts the run's scratch tmpfs at `scratch.dir`, with room for `writableMiB` of writes plus
 * the copied inputs, and lays out the overlay's upper and work directories, the volumes and the
 * files. Where the runtime can, it mounts the overlay itself inside the run's mount namespace (a
 * mount on `/` in the config), so the host never sees it and it vanishes with the run; otherwise
 * it is mounted here, on `scratch.rootfs`, and unmounted with the scratch. The image directory is
 * only ever a lower layer, so it is never written.
 */
export async function createScratch(scratch: Scratch, spec: RunSpec, volumes: readonly OrderedVolume[]): Promise<void> {
  const { dir, overlay } = scratch;
  const image = await stat(overlay.lowerdir);
  if (!image.isDirectory()) throw new RangeError(`image root filesystem is not a directory: ${overlay.lowerdir}`);
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
  const mounted = await mount(['-t', 'tmpfs', '-o', `size=${sizeKiB}k,nr_inodes=${inodes},mode=0700,nosuid,nodev`, SCRATCH_SOURCE, dir]);
  if (mounted.code !== 0) throw new Error(`cannot mount the run's scratch space: ${mounted.output.trim()}`);

  for (const sub of ['rootfs', 'work', 'vol', 'files']) mkdirSync(join(dir, sub), { mode: 0o700 });
  // The overlay's root directory takes its owner and mode from the upper layer's root.
  mkdirSync(overlay.upperdir, { mode: 0o700 });
  chownSync(overlay.upperdir, image.uid, image.gid);
  chmodSync(overlay.upperdir, image.mode & 0o7777);

  const fill = async (): Promise<void> => {
    for (const { index, volume } of volumes) {
      const volumeDir = scratch.volumeDirs[index] ?? join(dir, 'vol', String(index));
      const owner = volume.owner === 'user' ? spec.user : undefined;
      mkdirSync(volumeDir, { mode: 0o755 });
      if (owner !== undefined) chownSync(volumeDir, owner.uid, owner.gid);
      const tree = trees.get(index);
      if (tree !== undefined) await copyTree(tree, volumeDir, owner);
    }
    for (const [index, file] of spec.files.entries()) {
      writeFileSync(scratch.fileSources[index] ?? join(dir, 'files', String(index)), file.content, { mode: 0o444 });
    }
  };
  // The overlay mount (~1 ms through the mount helper) overlaps the copying. Both settle before
  // a failure is reported, so cleanup never races a mount still in progress.
  const results = await Promise.allSettled([scratch.overlayOnHost ? mountOverlay(scratch) : undefined, fill()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

async function mountOverlay({ overlay, rootfs }: Scratch): Promise<void> {
  const options = `lowerdir=${overlay.lowerdir},upperdir=${overlay.upperdir},workdir=${overlay.workdir},nosuid,nodev`;
  const mounted = await mount(['-t', 'overlay', '-o', options, OVERLAY_SOURCE, rootfs]);
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
  const fast = await umount([...(scratch.overlayOnHost ? [scratch.rootfs] : []), scratch.dir]);
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
