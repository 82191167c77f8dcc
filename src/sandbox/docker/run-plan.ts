import { containerPath, orderVolumes, type OrderedVolume } from '../container-path.ts';
import { treeFootprint, type TreeEntry } from '../copy-tree.ts';
import { RUN_PTYS } from '../kernel-budgets.ts';
import { meminfoText } from '../meminfo.ts';
import type { RunSpec } from '../sandbox.ts';
import type { InputContent, PlacedFile } from './input-archive.ts';
import type { WritableSpot } from './writable-spots.ts';

/**
 * One tmpfs-backed Docker volume (local driver, `type=tmpfs`) of a run. The keeper container holds
 * it mounted at `keeperPath` for the whole run, because the local driver unmounts a tmpfs volume,
 * losing its content, whenever no running container uses it: inputs go in through the keeper
 * before the grader is created, outputs come out through it after the grader is gone.
 */
export interface RunVolume {
  name: string;
  /** Where the grader sees it (the run volume is not mounted whole: its files are bound one by one). */
  target: string;
  /** Where the keeper holds it. */
  keeperPath: string;
  readOnly: boolean;
  /**
   * - `spec`: a `RunSpec` volume, fresh, its root owned as the volume says;
   * - `image`: a writable place of the image, which Docker fills with the image's content, owners and modes;
   * - `fresh`: a place root may write that the image lacks, empty and root-owned;
   * - `run`: gradebox's own files for the run (its /proc/meminfo, the placed files), bound read-only.
   */
  source: 'spec' | 'image' | 'fresh' | 'run';
  /** Its index in `RunSpec.volumes`, for spec volumes. */
  index: number | undefined;
  /** Mount options of the tmpfs (the local driver's `o`). */
  tmpfs: string;
  /** What is copied in through the keeper before the grader is created; undefined when nothing is. */
  input: InputContent | undefined;
}

/** A file of the run volume bound read-only into the grader. */
export interface RunBind {
  /** Path inside the run volume. */
  source: string;
  /** Where the grader sees it. */
  target: string;
}

export interface RunPlan {
  name: string;
  volumes: RunVolume[];
  /** The spec's volumes in mount order, for locating outputs. */
  ordered: OrderedVolume[];
  /** Files of the run volume bound read-only into the grader: its /proc/meminfo and every `RunSpec.files` entry. */
  binds: RunBind[];
  /** Options of the /tmp tmpfs, or undefined when a volume is mounted there. */
  tmp: string | undefined;
  /** The grader's own devpts instance at /dev/pts (a local-driver volume of `type=devpts`, not held by the keeper). */
  ptys: { name: string; options: string };
  /** The grader's working directory: the spec's, or ROOT_STAND_IN (see needsRootStandIn). */
  cwd: string;
}

/**
 * Where a grader whose working directory is a writable `/` works on docker instead (see
 * needsRootStandIn): a size-limited tmpfs volume holding a symbolic link to each entry of the
 * image's root, so that relative paths reach the image (`grader/main.R` → `/grader/main.R`) and
 * what the grader writes there (`Rplots.pdf`) stays within `writableMiB`.
 */
export const ROOT_STAND_IN = '/.gradebox-root';

/**
 * Whether the run asks for a writable `/` as its non-root user's working directory
 * (`RunSpec.rootWritable`). Docker cannot make `/` writable within a size limit (its writable
 * layer has none here, and a volume cannot be mounted at `/`), so the grader works in
 * ROOT_STAND_IN. Every other run works where the spec says.
 */
export function needsRootStandIn(spec: RunSpec): boolean {
  return spec.rootWritable === true && spec.user.uid !== 0 && spec.cwd.replace(/\/+$/, '') === '';
}

const MiB = 1024 * 1024;
const SLACK = 64 * 1024;
/** tmpfs inodes: enough for many small files, bounded so a file-creation bomb stays cheap (as in the oci backend). */
export const inodesFor = (mib: number): number => Math.max(16384, mib * 256);
/** Where the keeper holds volume `n`. */
const keeperPath = (n: number): string => `/.gradebox/${n}`;
/** Where the run volume's files live inside it. */
export const MEMINFO_FILE = 'meminfo';
const placedFile = (n: number): string => `files/${n}`;
/**
 * A devpts of the grader's own with few ptys (the host's `kernel.pty.max` is shared by every
 * instance): `ptmxmode=0666` so anyone in the run may open /dev/ptmx, which runc makes a link to
 * `pts/ptmx`.
 */
const PTY_OPTIONS = `newinstance,ptmxmode=0666,mode=0620,max=${RUN_PTYS},nosuid,noexec`;

const inside = (path: string, dir: string): boolean => path.startsWith(`${dir}/`);
const filesFootprint = (files: readonly PlacedFile[]): number =>
  files.reduce((sum, file) => sum + 4096 + Math.ceil(Buffer.byteLength(file.content) / 4096) * 4096, 0);

function tmpfsOptions(bytes: number, inodes: number): string {
  return `size=${Math.ceil(bytes / 1024)}k,nr_inodes=${inodes},mode=0755,nosuid,nodev`;
}

/**
 * Plans a run's volumes (pure; validates the volumes and files of `spec`):
 *
 * - one tmpfs volume per `RunSpec` volume, sized like the oci backend's scratch space (writable:
 *   `writableMiB` plus its inputs; read-only: its inputs); its root gets its owner and mode 0755
 *   from the keeper's archive, which the daemon extracts with the ids translated into its user
 *   namespace (tmpfs `uid=`/`gid=` options would name host ids, which under `userns-remap` are not
 *   the run's);
 * - one per writable spot of the image (`writableMiB` plus the image content Docker copies in)
 *   that no spec volume or /tmp already covers; root's places the image lacks become empty ones
 *   only where a volume, a file or the working directory needs them;
 * - the run volume, holding the run's /proc/meminfo and the `RunSpec.files`, each bound
 *   read-only at its target. A file inside a spec volume also gets an empty placeholder there,
 *   the mount point the runtime could not create in a read-only volume.
 */
export function planRun(
  spec: RunSpec, name: string, spots: readonly WritableSpot[], trees: ReadonlyMap<number, readonly TreeEntry[]>, rootNames: readonly string[] = [],
): RunPlan {
  const ordered = orderVolumes(spec.volumes);
  const targets = ordered.map((v) => v.target);
  const fileTargets = spec.files.map((file) => containerPath(file.target, 'file target'));
  const covered = (path: string): boolean => path === '/tmp' || inside(path, '/tmp') || targets.some((t) => path === t || inside(path, t));
  const cwd = spec.cwd.replace(/\/+$/, '');
  const needed = (path: string): boolean => cwd === path || inside(cwd, path) || [...targets, ...fileTargets].some((t) => inside(t, path));
  const imageSpots = spots.filter((spot) => !covered(spot.path) && (spot.absent !== true || needed(spot.path)));

  const places = [...targets, ...imageSpots.map((spot) => spot.path)];
  const placeholders = new Map<string, PlacedFile[]>();
  const binds: RunBind[] = [{ source: MEMINFO_FILE, target: '/proc/meminfo' }];
  const runFiles: PlacedFile[] = [{ path: MEMINFO_FILE, content: meminfoText(spec.limits.memoryMiB) }];
  for (const [n, target] of fileTargets.entries()) {
    if (places.includes(target) || target === '/tmp') throw new RangeError(`file target ${target} is where a volume is mounted`);
    const holder = places.filter((place) => inside(target, place)).sort((a, b) => b.length - a.length)[0];
    if (holder !== undefined && targets.includes(holder)) {
      placeholders.set(holder, [...(placeholders.get(holder) ?? []), { path: target.slice(holder.length + 1), content: '' }]);
    }
    runFiles.push({ path: placedFile(n), content: spec.files[n]?.content ?? '' });
    binds.push({ source: placedFile(n), target });
  }

  const { writableMiB } = spec.limits;
  const volumes: RunVolume[] = [];
  for (const { index, target, volume } of ordered) {
    const owner = volume.owner === 'user' ? spec.user : { uid: 0, gid: 0 };
    const entries = trees.get(index);
    const placed = placeholders.get(target) ?? [];
    const inputs = (entries === undefined ? 0 : treeFootprint(entries)) + filesFootprint(placed);
    const bytes = (volume.readOnly ? 0 : writableMiB * MiB) + inputs + SLACK;
    const inodes = (volume.readOnly ? 64 : inodesFor(writableMiB)) + Math.ceil(inputs / 4096);
    volumes.push({
      name: `${name}-${volumes.length}`, target, keeperPath: keeperPath(volumes.length), readOnly: volume.readOnly,
      source: 'spec', index, tmpfs: tmpfsOptions(bytes, inodes),
      input: { root: { ...owner, mode: 0o755 }, ...(entries !== undefined ? { tree: { entries, owner } } : {}), files: placed },
    });
  }
  for (const spot of imageSpots) {
    const fresh = spot.absent === true;
    // An image place gets owner and mode from Docker, which copies them from the image with its content.
    volumes.push({
      name: `${name}-${volumes.length}`, target: spot.path, keeperPath: keeperPath(volumes.length), readOnly: false,
      source: fresh ? 'fresh' : 'image', index: undefined,
      tmpfs: tmpfsOptions(writableMiB * MiB + spot.footprintBytes + SLACK, inodesFor(writableMiB) + Math.ceil(spot.footprintBytes / 4096)),
      input: fresh ? { root: { uid: 0, gid: 0, mode: 0o755 }, files: [] } : undefined,
    });
  }
  let workdir = spec.cwd;
  if (needsRootStandIn(spec)) {
    // Links to the image's root and to whatever the run mounts there, but not to gradebox's own places.
    const names = [...new Set([...rootNames, ...[...targets, ...fileTargets, '/proc', '/sys', '/dev', '/tmp'].map((path) => path.split('/')[1] ?? '')])]
      .filter((entry) => entry !== '' && !entry.startsWith('.gradebox')).sort();
    volumes.push({
      name: `${name}-${volumes.length}`, target: ROOT_STAND_IN, keeperPath: keeperPath(volumes.length), readOnly: false,
      source: 'fresh', index: undefined, tmpfs: tmpfsOptions(writableMiB * MiB + SLACK, inodesFor(writableMiB) + names.length),
      input: { root: { uid: 0, gid: 0, mode: 0o1777 }, files: [], links: names.map((entry) => ({ path: entry, target: `/${entry}` })) },
    });
    workdir = ROOT_STAND_IN;
  }
  const runBytes = filesFootprint(runFiles) + SLACK;
  volumes.push({
    name: `${name}-run`, target: '', keeperPath: '/.gradebox/run', readOnly: true, source: 'run', index: undefined,
    tmpfs: tmpfsOptions(runBytes, 64 + runFiles.length * 2), input: { root: { uid: 0, gid: 0, mode: 0o755 }, files: runFiles },
  });

  const { tmpMiB } = spec.limits;
  const tmp = places.includes('/tmp') ? undefined : `size=${tmpMiB}m,nr_inodes=${inodesFor(tmpMiB)},mode=1777,exec`;
  return { name, volumes, ordered, binds, tmp, ptys: { name: `${name}-pts`, options: PTY_OPTIONS }, cwd: workdir };
}
