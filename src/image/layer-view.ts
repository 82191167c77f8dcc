import type { Readable } from 'node:stream';
import { applyLayerHeaders } from './apply-layer-headers.ts';
import type { BlobStore } from './blob-store.ts';
import { ImageError, type ImageRecord } from './image.ts';
import { ImagePathError, resolveImagePath } from './image-path.ts';
import type { ImportProgress } from './image-source.ts';
import { readLayerSlice } from './layer-content.ts';
import { scanLayerHeaders } from './layer-headers.ts';
import { ViewIndexCache } from './view-index-cache.ts';
import { newDirectory, type ViewNode, type ViewNodeType } from './view-tree.ts';

/** What `lstat`/`stat` tell about a path of an image, like fs.Stats for the merged layers. */
export interface ImageStat {
  /** Canonical absolute path inside the image (symlinks among its parents resolved). */
  path: string;
  type: ViewNodeType;
  /** Permission bits as the image declares them (setuid, setgid, sticky included). */
  mode: number;
  uid: number;
  gid: number;
  /** File length, symlink target length, 0 for a directory. */
  size: number;
  mtime: Date;
  /** A symlink's target, verbatim; null for anything else. */
  linkTarget: string | null;
}

/** One child of a directory, with its own (not followed) metadata. */
export interface ImageDirEntry extends ImageStat {
  name: string;
}

export interface LayerViewOptions {
  /** Names the image in messages (`/nope: no such file or directory in <what>`); defaults to the image id. */
  what?: string;
  /** Directory for the per-image index cache (none: always read the layers). */
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * An image's files read straight from its layer blobs, whiteouts applied, without unpacking
 * anything or starting a container. Opening reads every layer's tar headers once (content flows
 * past, nothing is kept) into a merged tree of headers, cached per image id when `cacheDir` is
 * given; lookups then cost nothing, and a file's content streams from the one layer holding its
 * final version. Paths resolve as inside the container (see `resolveImagePath`).
 */
export class LayerView {
  readonly image: ImageRecord;
  readonly #root: ViewNode;
  readonly #blobs: BlobStore;
  readonly #what: string;
  /** Entries skipped while merging (FIFOs), one line each. */
  readonly warnings: readonly string[];

  private constructor(image: ImageRecord, root: ViewNode, blobs: BlobStore, what: string, warnings: string[]) {
    this.image = image;
    this.#root = root;
    this.#blobs = blobs;
    this.#what = what;
    this.warnings = warnings;
  }

  /** Builds (or loads from the cache) the merged view of an imported image's layers. */
  static async open(image: ImageRecord, blobs: BlobStore, opts: LayerViewOptions = {}): Promise<LayerView> {
    const what = opts.what ?? image.id;
    const cache = opts.cacheDir === undefined ? undefined : new ViewIndexCache(opts.cacheDir);
    const cached = await cache?.load(image);
    if (cached) return new LayerView(image, cached.root, blobs, what, cached.warnings);
    const root = newDirectory();
    const warnings: string[] = [];
    const total = image.layers.length;
    for (const [i, layer] of image.layers.entries()) {
      // Layer counts are no byte counts, so they go in the phase text (progress bars render totals as bytes).
      opts.onProgress?.({ phase: `index layer ${i + 1}/${total}`, done: 0 });
      if (!(await blobs.has(layer.digest))) {
        throw new ImageError(`image ${image.id}: layer blob ${layer.digest} is missing from the store; import the image again`);
      }
      const label = `image ${image.id} layer ${i + 1}/${total} (${layer.digest})`;
      // A plain layer's blob digest is its diff_id, verified when stored: only compressed ones need hashing again.
      const diffId = layer.diffId === layer.digest ? undefined : layer.diffId;
      const headers = await scanLayerHeaders(blobs.path(layer.digest), label, { diffId, signal: opts.signal });
      applyLayerHeaders(root, headers, i, label, warnings);
    }
    await cache?.save(image, root, warnings);
    return new LayerView(image, root, blobs, what, warnings);
  }

  /** The path's own metadata: a final symlink is described, not followed. */
  lstat(path: string): ImageStat {
    const found = resolveImagePath(this.#root, path, false, this.#what);
    return describe(found.node, found.path);
  }

  /** The metadata of what the path leads to, every symlink followed. */
  stat(path: string): ImageStat {
    const found = resolveImagePath(this.#root, path, true, this.#what);
    return describe(found.node, found.path);
  }

  /** The children of the directory `path` leads to, sorted by name (code point order); ENOTDIR for anything else. */
  readdir(path: string): ImageDirEntry[] {
    const found = resolveImagePath(this.#root, path, true, this.#what);
    if (!found.node.children) throw new ImagePathError('ENOTDIR', path, this.#what);
    const base = found.path === '/' ? '' : found.path;
    return [...found.node.children]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, node]) => ({ name, ...describe(node, `${base}/${name}`) }));
  }

  /**
   * Streams the content of the regular file `path` leads to, from the layer that holds its final
   * version (a hard link reads its target's). EISDIR for a directory.
   */
  async createReadStream(path: string): Promise<Readable> {
    const found = resolveImagePath(this.#root, path, true, this.#what);
    const { node } = found;
    if (node.type === 'directory') throw new ImagePathError('EISDIR', path, this.#what);
    const layer = node.content === undefined ? undefined : this.image.layers[node.content.layer];
    if (!node.content || !layer) throw new ImageError(`${this.#what}: the index has no content for ${found.path}`);
    const label = `image ${this.image.id} layer ${node.content.layer + 1} (${layer.digest})`;
    return readLayerSlice(this.#blobs.path(layer.digest), node.content.offset, node.size, label);
  }
}

function describe(node: ViewNode, path: string): ImageStat {
  return {
    path,
    type: node.type,
    mode: node.mode,
    uid: node.uid,
    gid: node.gid,
    size: node.size,
    mtime: new Date(node.mtimeMs),
    linkTarget: node.type === 'symlink' ? (node.linkTarget ?? '') : null,
  };
}
