import { ImageError } from './image.ts';
import type { LayerHeader } from './layer-headers.ts';
import { entryComponents } from './safe-tree.ts';
import { newDirectory, type ViewNode } from './view-tree.ts';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Applies one layer's headers, in tar order, to the merged tree below it, with exactly the rules
 * `unpackLayer` applies to a directory on disk, so that `ls`/`cat` show what a grader will see and
 * refuse what unpacking refuses (with the same messages): later entries replace earlier ones (a
 * directory over a directory merges), `.wh.NAME` deletes a lower NAME, `.wh..wh..opq` hides a
 * directory's lower children, a whiteout never hides its own layer's entries, nothing is created
 * through a symbolic link, hard links must name a regular file already present, device nodes are
 * refused and FIFOs skipped (a warning is added to `warnings`).
 */
export function applyLayerHeaders(root: ViewNode, headers: LayerHeader[], layer: number, what: string, warnings: string[]): void {
  new LayerApplier(root, layer, what, warnings).applyAll(headers);
}

class LayerApplier {
  readonly #root: ViewNode;
  readonly #layer: number;
  readonly #what: string;
  readonly #warnings: string[];
  /** Relative paths this layer wrote, with all their parents. */
  readonly #written = new Set<string>();

  constructor(root: ViewNode, layer: number, what: string, warnings: string[]) {
    this.#root = root;
    this.#layer = layer;
    this.#what = what;
    this.#warnings = warnings;
  }

  applyAll(headers: LayerHeader[]): void {
    for (const header of headers) this.#add(header);
  }

  #add(h: LayerHeader): void {
    const parts = entryComponents(h.name, this.#what);
    const base = parts.at(-1);
    if (base === undefined) return; // the root itself: its metadata is ours to decide
    if (base.startsWith(WHITEOUT)) return this.#whiteout(parts, h.name);
    const rel = parts.join('/');
    const meta = { mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtimeMs: h.mtimeMs };
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
        this.#put(parts, h.name, { type: 'file', ...meta, size: h.size, content: { layer: this.#layer, offset: h.dataOffset } });
        break;
      case 'directory': {
        const dir = this.#prepare(parts, h.name);
        const existing = dir.get(base);
        if (existing?.type === 'directory') Object.assign(existing, meta);
        else dir.set(base, newDirectory(meta.mode, meta.uid, meta.gid, meta.mtimeMs));
        break;
      }
      case 'symlink':
        this.#put(parts, h.name, { type: 'symlink', ...meta, size: Buffer.byteLength(h.linkname), linkTarget: h.linkname });
        break;
      case 'link':
        this.#hardLink(parts, h);
        break;
      case 'character-device':
      case 'block-device':
        throw new ImageError(
          `${this.#what}: entry ${JSON.stringify(h.name)} is a ${h.type} node; images may not carry device nodes (the sandbox provides /dev)`,
        );
      case 'fifo':
        this.#warnings.push(`${this.#what}: skipped FIFO ${JSON.stringify(h.name)}`);
        return;
      default:
        throw new ImageError(`${this.#what}: entry ${JSON.stringify(h.name)} has an unsupported type (${h.type})`);
    }
    this.#written.add(rel);
  }

  /** Puts a non-directory node at `parts`, replacing whatever was there (a directory with its contents). */
  #put(parts: string[], entry: string, node: ViewNode): void {
    this.#prepare(parts, entry).set(parts.at(-1) ?? '', node);
  }

  #hardLink(parts: string[], h: LayerHeader): void {
    const dir = this.#prepare(parts, h.name);
    const targetParts = entryComponents(h.linkname, this.#what);
    const targetName = targetParts.at(-1);
    const target = targetName === undefined ? undefined : this.#existing(targetParts, h.name)?.get(targetName);
    if (target?.type !== 'file') {
      throw new ImageError(
        `${this.#what}: hard link ${JSON.stringify(h.name)} points to ${JSON.stringify(h.linkname)}, which is not a regular file unpacked so far`,
      );
    }
    dir.set(parts.at(-1) ?? '', target);
  }

  #whiteout(parts: string[], entry: string): void {
    const base = parts.at(-1) ?? '';
    const dirParts = parts.slice(0, -1);
    if (base === OPAQUE) {
      const dir = this.#existing([...dirParts, ''], entry);
      if (dir !== undefined) this.#hideLower(dir, dirParts.join('/'));
      return;
    }
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other AUFS bookkeeping (.wh..wh.plnk): nothing to apply
    const victim = base.slice(WHITEOUT.length);
    // `.wh.`, `.wh..` and `.wh...` would name the directory itself or its parent.
    if (victim === '' || victim === '.' || victim === '..') {
      throw new ImageError(`${this.#what}: whiteout ${JSON.stringify(entry)} names no entry of its directory`);
    }
    const rel = [...dirParts, victim].join('/');
    if (this.#written.has(rel)) return; // a whiteout never hides its own layer's entries
    this.#existing([...dirParts, victim], entry)?.delete(victim);
  }

  /** Opaque directory: drops every child this layer did not write, and recurses into those it did. */
  #hideLower(dir: Map<string, ViewNode>, rel: string): void {
    for (const [name, child] of dir) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (!this.#written.has(childRel)) dir.delete(name);
      else if (child.children) this.#hideLower(child.children, childRel);
    }
  }

  /**
   * The children map that will hold `parts`: every parent must be a directory (missing ones are
   * created, as unpacking does) and each is marked written by this layer.
   */
  #prepare(parts: string[], entry: string): Map<string, ViewNode> {
    let dir = this.#root.children ?? new Map<string, ViewNode>();
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      this.#written.add(rel);
      let child = dir.get(part);
      if (!child) {
        child = newDirectory();
        dir.set(part, child);
      }
      dir = this.#checkDir(child, rel, entry);
    }
    return dir;
  }

  /** The children map that holds `parts` when all its parents exist as directories, else undefined. */
  #existing(parts: string[], entry: string): Map<string, ViewNode> | undefined {
    let dir = this.#root.children ?? new Map<string, ViewNode>();
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      const child = dir.get(part);
      if (!child) return undefined;
      dir = this.#checkDir(child, rel, entry);
    }
    return dir;
  }

  #checkDir(node: ViewNode, rel: string, entry: string): Map<string, ViewNode> {
    if (node.type === 'symlink') {
      throw new ImageError(`${this.#what}: entry ${JSON.stringify(entry)} would be written through the symbolic link /${rel}`);
    }
    if (!node.children) {
      throw new ImageError(`${this.#what}: entry ${JSON.stringify(entry)} needs /${rel} to be a directory, but it is not`);
    }
    return node.children;
  }
}
