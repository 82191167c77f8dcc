import { containerPath, orderVolumes, type OrderedVolume } from '../container-path.ts';
import { treeFootprint, type TreeEntry } from '../copy-tree.ts';
import type { RunSpec } from '../sandbox.ts';
import type { InputContent, PlacedFile } from './input-archive.ts';
import type { WritableSpot } from './writable-spots.ts';

/**
 * One tmpfs-backed Docker volume (local driver, `type=tmpfs`) of a run. The keeper container holds
 * it mounted at `keeperPath` for the whole run, because the local driver unmounts a tmpfs volume,
 * losing its content, whenever no running container uses it: inputs go in through the keeper
 * before the grader starts, outputs come out through it after the grader is gone.
 */
export interface RunVolume {
  name: string;
  /** Where the grader sees it. */
  target: string;
  /** Where the keeper holds it. */
  keeperPath: string;
  readOnly: boolean;
  /** A `RunSpec` volume (fresh), or a writable spot of the image (Docker fills it with the image's content). */
  source: 'spec' | 'image';
  /** Its index in `RunSpec.volumes`, for spec volumes. */
  index: number | undefined;
  /** Mount options of the tmpfs (the local driver's `o`). */
  tmpfs: string;
  /** What is copied in through the keeper before the grader starts. */
  input: InputContent;
}

export interface RunPlan {
  name: string;
  volumes: RunVolume[];
  /** The spec's volumes in mount order, for locating outputs. */
  ordered: OrderedVolume[];
  /** Files outside every volume and spot, placed in the grader's image layer (paths relative to `/`). */
  layerFiles: PlacedFile[];
  /** Options of the /tmp tmpfs, or undefined when a volume is mounted there. */
  tmp: string | undefined;
}

const MiB = 1024 * 1024;
const SLACK = 64 * 1024;
/** tmpfs inodes: enough for many small files, bounded so a file-creation bomb stays cheap (as in the oci backend). */
export const inodesFor = (mib: number): number => Math.max(16384, mib * 256);
/** Where the keeper holds volume `n`. */
const keeperPath = (n: number): string => `/.gradebox/${n}`;

const inside = (path: string, dir: string): boolean => path.startsWith(`${dir}/`);
const filesFootprint = (files: readonly PlacedFile[]): number =>
  files.reduce((sum, file) => sum + 4096 + Math.ceil(Buffer.byteLength(file.content) / 4096) * 4096, 0);

function tmpfsOptions(bytes: number, inodes: number, owner: { uid: number; gid: number }): string {
  return `size=${Math.ceil(bytes / 1024)}k,nr_inodes=${inodes},mode=0755,uid=${owner.uid},gid=${owner.gid},nosuid,nodev`;
}

/**
 * Plans a run's volumes (pure; validates the volumes and files of `spec`): one tmpfs volume per
 * `RunSpec` volume, sized like the oci backend's scratch space (writable: `writableMiB` plus its
 * inputs; read-only: its inputs), and one per writable spot of the image (`writableMiB` plus the
 * image content Docker copies in) that no spec volume or /tmp already covers. Each `RunSpec.files`
 * entry goes into the deepest volume or spot that holds its target, or else into the grader's
 * image layer, which the grader itself cannot write.
 */
export function planRun(spec: RunSpec, name: string, spots: readonly WritableSpot[], trees: ReadonlyMap<number, readonly TreeEntry[]>): RunPlan {
  const ordered = orderVolumes(spec.volumes);
  const targets = ordered.map((v) => v.target);
  const covered = (path: string): boolean => path === '/tmp' || inside(path, '/tmp') || targets.some((t) => path === t || inside(path, t));
  const imageSpots = spots.filter((spot) => !covered(spot.path));

  const files = new Map<string, PlacedFile[]>();
  const layerFiles: PlacedFile[] = [];
  const places = [...targets, ...imageSpots.map((spot) => spot.path)];
  for (const file of spec.files) {
    const target = containerPath(file.target, 'file target');
    if (places.includes(target) || target === '/tmp') throw new RangeError(`file target ${target} is where a volume is mounted`);
    const holder = places.filter((place) => inside(target, place)).sort((a, b) => b.length - a.length)[0];
    if (holder === undefined) {
      layerFiles.push({ path: target.slice(1), content: file.content });
    } else {
      files.set(holder, [...(files.get(holder) ?? []), { path: target.slice(holder.length + 1), content: file.content }]);
    }
  }

  const { writableMiB } = spec.limits;
  const volumes: RunVolume[] = [];
  for (const { index, target, volume } of ordered) {
    const owner = volume.owner === 'user' ? spec.user : { uid: 0, gid: 0 };
    const entries = trees.get(index);
    const placed = files.get(target) ?? [];
    const inputs = (entries === undefined ? 0 : treeFootprint(entries)) + filesFootprint(placed);
    const bytes = (volume.readOnly ? 0 : writableMiB * MiB) + inputs + SLACK;
    const inodes = (volume.readOnly ? 64 : inodesFor(writableMiB)) + Math.ceil(inputs / 4096);
    volumes.push({
      name: `${name}-${volumes.length}`, target, keeperPath: keeperPath(volumes.length), readOnly: volume.readOnly,
      source: 'spec', index, tmpfs: tmpfsOptions(bytes, inodes, owner),
      input: {
        ...(entries !== undefined ? { tree: { entries, owner } } : {}),
        files: placed,
      },
    });
  }
  for (const spot of imageSpots) {
    const placed = files.get(spot.path) ?? [];
    const inputs = spot.footprintBytes + filesFootprint(placed);
    // Owner and mode are Docker's to set: it copies them from the image directory with its content.
    volumes.push({
      name: `${name}-${volumes.length}`, target: spot.path, keeperPath: keeperPath(volumes.length), readOnly: false,
      source: 'image', index: undefined,
      tmpfs: tmpfsOptions(writableMiB * MiB + inputs + SLACK, inodesFor(writableMiB) + Math.ceil(inputs / 4096), { uid: 0, gid: 0 }),
      input: { files: placed },
    });
  }

  const { tmpMiB } = spec.limits;
  const tmp = places.includes('/tmp') ? undefined : `size=${tmpMiB}m,nr_inodes=${inodesFor(tmpMiB)},mode=1777,exec`;
  return { name, volumes, ordered, layerFiles, tmp };
}
