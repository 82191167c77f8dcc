/** What a path of a merged image tree can be: devices and FIFOs never make it in (unpacking refuses or skips them). */
export type ViewNodeType = 'file' | 'directory' | 'symlink';

/** Where a regular file's bytes are: in layer `layer` (0 = bottom), `offset` bytes into its uncompressed tar. */
export interface ContentRef {
  layer: number;
  offset: number;
}

/**
 * One path of an image's merged tree, as the layers leave it: headers only, no content. A hard
 * link is the very same node object as its target (one inode), so later changes to either path,
 * which always replace the node, leave the other alone, as on disk.
 */
export interface ViewNode {
  type: ViewNodeType;
  /** Permission bits as the layer declares them, setuid, setgid and sticky included. */
  mode: number;
  uid: number;
  gid: number;
  /** Content length of a file, target length of a symlink, 0 for a directory. */
  size: number;
  mtimeMs: number;
  /** A symlink's target, verbatim. */
  linkTarget?: string;
  /** A regular file's content. */
  content?: ContentRef;
  /** A directory's children by name. */
  children?: Map<string, ViewNode>;
}

/** A new empty directory node (the root, or a parent a layer implies without an entry of its own). */
export function newDirectory(mode = 0o755, uid = 0, gid = 0, mtimeMs = 0): ViewNode {
  return { type: 'directory', mode, uid, gid, size: 0, mtimeMs, children: new Map() };
}

/**
 * The merged tree in a compact JSON form, for the per-image cache: one row per path, parents before
 * children, `[path, type, mode, uid, gid, size, mtimeMs, extra...]` where a file adds its layer and
 * offset and a symlink its target. Hard links come back as separate (equal) nodes, which is the
 * same tree for every reader.
 */
export type TreeRow = [string, 'f' | 'd' | 'l', number, number, number, number, number, ...(string | number)[]];

/** Flattens a tree into rows, depth first. */
export function treeToRows(root: ViewNode): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (node: ViewNode, path: string): void => {
    const head = [path, node.type === 'file' ? 'f' : node.type === 'directory' ? 'd' : 'l', node.mode, node.uid, node.gid, node.size, node.mtimeMs] as const;
    if (node.type === 'file') rows.push([...head, node.content?.layer ?? 0, node.content?.offset ?? 0]);
    else if (node.type === 'symlink') rows.push([...head, node.linkTarget ?? '']);
    else rows.push([...head]);
    for (const [name, child] of node.children ?? []) walk(child, path === '' ? name : `${path}/${name}`);
  };
  walk(root, '');
  return rows;
}

/** Rebuilds a tree from `treeToRows` output; throws on rows it did not write (the caller rebuilds from the layers). */
export function treeFromRows(rows: unknown): ViewNode {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('no rows');
  const byPath = new Map<string, ViewNode>();
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row)) throw new Error('bad row');
    const [path, kind, mode, uid, gid, size, mtimeMs, a, b] = row as unknown[];
    if (typeof path !== 'string' || ![mode, uid, gid, size, mtimeMs].every((n) => typeof n === 'number')) throw new Error('bad row');
    const meta = { mode: mode as number, uid: uid as number, gid: gid as number, size: size as number, mtimeMs: mtimeMs as number };
    let node: ViewNode;
    if (kind === 'd') node = { type: 'directory', ...meta, children: new Map() };
    else if (kind === 'f' && typeof a === 'number' && typeof b === 'number') node = { type: 'file', ...meta, content: { layer: a, offset: b } };
    else if (kind === 'l' && typeof a === 'string') node = { type: 'symlink', ...meta, linkTarget: a };
    else throw new Error('bad row');
    if (path !== '') {
      const cut = path.lastIndexOf('/');
      const parent = byPath.get(cut < 0 ? '' : path.slice(0, cut));
      if (!parent?.children) throw new Error('row before its parent');
      parent.children.set(path.slice(cut + 1), node);
    } else if (node.type !== 'directory') {
      throw new Error('root is no directory');
    }
    byPath.set(path, node);
  }
  const root = byPath.get('');
  if (!root) throw new Error('no root');
  return root;
}
