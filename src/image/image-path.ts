import { ImageError } from './image.ts';
import type { ViewNode } from './view-tree.ts';

/** Symlinks followed in one lookup before giving up, as Linux does (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

const MESSAGES = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EISDIR: 'is a directory',
} as const;

export type ImagePathCode = keyof typeof MESSAGES;

/**
 * A path inside an image that does not lead where asked (missing, through a non-directory, a
 * symlink loop, a directory where a file was wanted). An ImageError, so the CLI exits 1; `code`
 * follows errno names for callers that tell the cases apart.
 */
export class ImagePathError extends ImageError {
  override name = 'ImagePathError';
  readonly code: ImagePathCode;
  readonly path: string;
  /** The image, as named in the message. */
  readonly where: string;

  constructor(code: ImagePathCode, path: string, where: string, detail = '') {
    super(`${path}: ${MESSAGES[code]}${where ? ` in ${where}` : ''}${detail}`);
    this.code = code;
    this.path = path;
    this.where = where;
  }
}

/** A node found by path, with the canonical absolute path that reaches it without symlinks. */
export interface Resolved {
  node: ViewNode;
  path: string;
}

/**
 * Finds `path` in a merged tree the way the kernel would inside the container: relative paths start
 * at `/`, `..` never climbs above the root, symlinks among the parents are followed (an absolute
 * target from the image root, a relative one from the link's directory), the last component's
 * only when `followLast`, and more than MAX_SYMLINK_HOPS links in one lookup is ELOOP. Errors name
 * `shown` (the path as the user gave it) and `where` (the image).
 */
export function resolveImagePath(root: ViewNode, path: string, followLast: boolean, where: string, shown = path): Resolved {
  const fail = (code: ImagePathCode, detail = ''): never => {
    throw new ImagePathError(code, shown, where, detail);
  };
  // A trailing `/` or `/.` insists on a directory, so a final symlink is followed (as the kernel does).
  const wantsDir = /(^|\/)\.?$/.test(path);
  const follow = followLast || wantsDir;
  // Components still to walk, first at the end (so a link's target can be pushed in front cheaply).
  const todo = components(path).reverse();
  const stack: ViewNode[] = [root];
  const names: string[] = [];
  let hops = 0;
  for (let part = todo.pop(); part !== undefined; part = todo.pop()) {
    const dir = stack.at(-1) ?? root;
    if (!dir.children) return fail('ENOTDIR');
    if (part === '..') {
      if (stack.length > 1) {
        stack.pop();
        names.pop();
      }
      continue;
    }
    const node = dir.children.get(part);
    if (!node) return fail('ENOENT');
    if (node.type === 'symlink' && (todo.length > 0 || follow)) {
      if (++hops > MAX_SYMLINK_HOPS) return fail('ELOOP');
      const target = node.linkTarget ?? '';
      // An empty target names nothing (the kernel answers ENOENT).
      if (target === '') return fail('ENOENT');
      if (target.startsWith('/')) {
        stack.length = 1;
        names.length = 0;
      }
      todo.push(...components(target).reverse());
      continue;
    }
    stack.push(node);
    names.push(part);
  }
  const node = stack.at(-1) ?? root;
  if (wantsDir && !node.children) return fail('ENOTDIR');
  return { node, path: `/${names.join('/')}` };
}

/** Path components with empty and `.` ones dropped; `..` is kept for the walk to apply. */
function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
