import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decompressor, sniffCompression } from './compression.ts';
import { ImageError } from './image.ts';
import { entryComponents, lstatOrUndefined, SafeTree } from './safe-tree.ts';
import { forEachTarEntry, type TarEntry } from './tar-entries.ts';
import { applyDirMeta, UNSHIFTED, writeDir, writeHardLink, writeRegularFile, writeSymlink, type DirMeta, type OwnerIds } from './write-entry.ts';

export interface UnpackOptions {
  /** Expected digest of the uncompressed tar (the config's diff_id); checked after the last byte. */
  diffId?: string;
  /** Names the layer in messages; defaults to the blob path. */
  what?: string;
  signal?: AbortSignal;
  /** The host id each owner is written as (when unpacking as root); default unchanged. */
  ids?: OwnerIds;
}

export interface UnpackResult {
  /** Entries skipped rather than refused (FIFOs), one line each. */
  warnings: string[];
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Applies one layer blob (plain, gzip or zstd tar, told apart by magic bytes) on top of `root`,
 * which holds the layers below it. OCI whiteouts delete from lower layers; an opaque marker hides
 * a directory's lower contents. Refused with an ImageError naming the entry: paths with `..` or an
 * absolute path, anything created through a symbolic link, hard links to anything but a regular
 * file already unpacked in the root, device nodes (the sandbox provides /dev; an image has no
 * business shipping one). FIFOs are skipped with a warning (Node cannot make one, and graders
 * create their own at run time). File capabilities and other xattrs are not applied.
 */
export async function unpackLayer(blob: string, root: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const what = opts.what ?? blob;
  const kind = await sniffCompression(blob);
  const hash = createHash('sha256');
  async function* tarBytes(): AsyncGenerator<Buffer> {
    const file = createReadStream(blob);
    const dec = decompressor(kind);
    let stream: NodeJS.ReadableStream = file;
    if (dec) {
      file.on('error', (err) => dec.destroy(err));
      dec.on('close', () => file.destroy());
      stream = file.pipe(dec);
    }
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  }

  const layer = new LayerApplier(new SafeTree(root, what), what, opts.ids ?? UNSHIFTED);
  await forEachTarEntry(tarBytes(), what, (entry) => layer.add(entry), opts.signal);
  await layer.finish();

  const actual = `sha256:${hash.digest('hex')}`;
  if (opts.diffId !== undefined && actual !== opts.diffId) {
    throw new ImageError(`${what}: uncompressed layer digest mismatch: expected ${opts.diffId} (config diff_id), content is ${actual}`);
  }
  return { warnings: layer.warnings };
}

/** The state of one layer being applied: what it wrote (whiteouts only hide lower layers) and its directories. */
class LayerApplier {
  readonly warnings: string[] = [];
  readonly #tree: SafeTree;
  readonly #what: string;
  /** Relative paths this layer wrote, with all their parents. */
  readonly #written = new Set<string>();
  readonly #dirs: DirMeta[] = [];
  readonly #ids: OwnerIds;

  constructor(tree: SafeTree, what: string, ids: OwnerIds) {
    this.#tree = tree;
    this.#what = what;
    this.#ids = ids;
  }

  async add(entry: TarEntry): Promise<void> {
    const { name, type } = entry.header;
    const parts = entryComponents(name, this.#what);
    const base = parts.at(-1);
    if (base === undefined) return; // the root itself: its metadata is ours to decide
    if (base.startsWith(WHITEOUT)) return this.#whiteout(parts, name);

    const rel = parts.join('/');
    const markParent = (parent: string): void => void this.#written.add(parent);
    switch (type) {
      case 'file':
      case 'contiguous-file':
        await writeRegularFile(this.#tree, await this.#tree.prepare(parts, name, markParent), rel, entry, this.#ids);
        break;
      case 'directory':
        this.#dirs.push(await writeDir(this.#tree, await this.#tree.prepare(parts, name, markParent), rel, entry, this.#ids));
        break;
      case 'symlink':
        await writeSymlink(this.#tree, await this.#tree.prepare(parts, name, markParent), rel, entry, this.#ids);
        break;
      case 'link':
        await writeHardLink(this.#tree, await this.#tree.prepare(parts, name, markParent), rel, entry, this.#what);
        break;
      case 'character-device':
      case 'block-device':
        throw new ImageError(
          `${this.#what}: entry ${JSON.stringify(name)} is a ${type} node; images may not carry device nodes (the sandbox provides /dev)`,
        );
      case 'fifo':
        this.warnings.push(`${this.#what}: skipped FIFO ${JSON.stringify(name)}`);
        return;
      default:
        throw new ImageError(`${this.#what}: entry ${JSON.stringify(name)} has an unsupported type (${String(type)})`);
    }
    this.#written.add(rel);
  }

  /** Applies directory metadata deepest first, now that nothing more is written into them. */
  async finish(): Promise<void> {
    for (const meta of this.#dirs.reverse()) await applyDirMeta(meta);
  }

  async #whiteout(parts: string[], name: string): Promise<void> {
    const base = parts.at(-1) ?? '';
    const dirParts = parts.slice(0, -1);
    if (base === OPAQUE) {
      const dir = await this.#tree.existing([...dirParts, ''], name);
      if (dir !== undefined) await this.#hideLower(dirParts.join('/'));
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other AUFS bookkeeping (.wh..wh.plnk): nothing to apply
    const victimName = base.slice(WHITEOUT.length);
    // `.wh.`, `.wh..` and `.wh...` would name the directory itself or its parent.
    if (victimName === '' || victimName === '.' || victimName === '..') {
      throw new ImageError(`${this.#what}: whiteout ${JSON.stringify(name)} names no entry of its directory`);
    }
    const victim = [...dirParts, victimName];
    const rel = victim.join('/');
    if (this.#written.has(rel)) return; // a whiteout never hides its own layer's entries
    if ((await this.#tree.existing(victim, name)) !== undefined) await this.#tree.remove(rel);
  }

  /** Opaque directory: removes everything below `dir` that this layer did not write itself. */
  async #hideLower(dir: string): Promise<void> {
    const abs = path.join(this.#tree.root, dir);
    const st = await lstatOrUndefined(abs);
    if (!st?.isDirectory()) return;
    for (const child of await readdir(abs)) {
      const rel = dir ? `${dir}/${child}` : child;
      if (!this.#written.has(rel)) await this.#tree.remove(rel);
      else if ((await lstatOrUndefined(path.join(abs, child)))?.isDirectory()) await this.#hideLower(rel);
    }
  }
}
