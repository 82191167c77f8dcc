import { posix } from 'node:path';
import type { Volume } from './sandbox.ts';

// The runtime owns these trees; a volume, file or output there would shadow or escape them.
const RESERVED = ['/proc', '/sys', '/dev'];

/**
 * Checks a path inside the sandbox (a volume target, file target or output) and returns it in
 * normal form. Throws a RangeError naming `what` for relative paths, `..`, NUL bytes, `/` itself
 * and the runtime-owned trees /proc, /sys and /dev.
 */
export function containerPath(path: string, what: string): string {
  if (!path.startsWith('/')) throw new RangeError(`${what} must be an absolute path, got ${JSON.stringify(path)}`);
  if (path.includes('\0')) throw new RangeError(`${what} must not contain a NUL byte`);
  if (path.split('/').includes('..')) throw new RangeError(`${what} must not contain "..": ${JSON.stringify(path)}`);
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '') throw new RangeError(`${what} must not be the root directory`);
  for (const reserved of RESERVED) {
    if (normal === reserved || normal.startsWith(`${reserved}/`)) {
      throw new RangeError(`${what} must not be under ${reserved}: ${JSON.stringify(path)}`);
    }
  }
  return normal;
}

/** A volume with its position in `RunSpec.volumes`, in the order the sandbox mounts them. */
export interface OrderedVolume {
  index: number;
  target: string;
  volume: Volume;
}

/**
 * Returns the volumes in mount order: parents before children (`/shared` before
 * `/shared/submission`), otherwise as given. Rejects two volumes on one target.
 */
export function orderVolumes(volumes: readonly Volume[]): OrderedVolume[] {
  const ordered = volumes.map((volume, index) => ({ index, target: containerPath(volume.target, 'volume target'), volume }));
  const seen = new Set<string>();
  for (const { target } of ordered) {
    if (seen.has(target)) throw new RangeError(`two volumes are mounted at ${target}`);
    seen.add(target);
  }
  const depth = (target: string): number => target.split('/').length;
  return ordered.sort((a, b) => depth(a.target) - depth(b.target) || a.index - b.index);
}

/**
 * Finds the volume that holds container path `path` (the deepest one whose target contains it)
 * and the path relative to that volume, or undefined when the path is in no volume.
 */
export function locateInVolume(
  path: string,
  volumes: readonly OrderedVolume[],
): { volume: OrderedVolume; relative: string } | undefined {
  const normal = containerPath(path, 'output path');
  let best: OrderedVolume | undefined;
  for (const candidate of volumes) {
    if (normal.startsWith(`${candidate.target}/`) && (best === undefined || candidate.target.length > best.target.length)) {
      best = candidate;
    }
  }
  return best === undefined ? undefined : { volume: best, relative: normal.slice(best.target.length + 1) };
}
