import { constants } from 'node:fs';
import { open, readlink } from 'node:fs/promises';
import { sourceOf, type TreeEntry } from '../copy-tree.ts';
import { encodeHeader, END_OF_ARCHIVE, padding } from './tar-writer.ts';

/** A single file placed into the run (`RunSpec.files`): read-only, owned by root. */
export interface PlacedFile {
  /** Path relative to where the archive is extracted. */
  path: string;
  content: string | Uint8Array;
}

/** What one archive carries into one directory of the run. */
export interface InputContent {
  /**
   * The owner and mode of the directory itself (a volume's root): the daemon applies them as it
   * extracts, translating the ids into its user namespace, which is how a volume root gets the
   * run's ids whatever the daemon's remapping.
   */
  root?: { uid: number; gid: number; mode: number };
  /** A host tree (see readTree) copied in whole, owned by `owner`. */
  tree?: { entries: readonly TreeEntry[]; owner: { uid: number; gid: number } };
  files: readonly PlacedFile[];
  /** Symbolic links made in the directory (root's, targets as given). */
  links?: readonly { path: string; target: string }[];
}

const CHUNK = 256 * 1024;
const SLASH = Buffer.from('/');

async function* fileBytes(path: Buffer, size: number): AsyncGenerator<Buffer> {
  // The host input was scanned a moment ago; never follow a link that replaced a file since.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size !== size) throw new Error(`${path.toString()} changed while being copied into the sandbox`);
    let offset = 0;
    while (offset < size) {
      const buffer = Buffer.alloc(Math.min(CHUNK, size - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) throw new Error(`${path.toString()} shrank while being copied into the sandbox`);
      offset += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** What goes where: `content` extracted under `prefix` (a relative directory path, or '' for the top). */
export interface InputPart {
  prefix: string;
  content: InputContent;
}

/**
 * The tar stream of `parts`, for extraction at `/` of a container: each part's own directory
 * (with `root`'s owner and mode), each tree's directories, files
 * and symbolic links (targets copied verbatim, never followed; names byte for byte; permission
 * bits kept; owned by the tree's owner), then the placed files (mode 0444, root). Parents come
 * before children, so Docker creates each directory with its own mode; missing parents of a
 * placed file get Docker's root 0755.
 *
 * Extracting at `/` rather than in the target directory matters: Docker refuses a symbolic link
 * whose target climbs out of the extraction directory ("invalid symlink"), and a submission's
 * `sub/up -> ../../etc/passwd` must arrive as it is. Nothing climbs out of `/`.
 */
export async function* inputArchive(parts: readonly InputPart[]): AsyncGenerator<Buffer> {
  for (const { prefix, content } of parts) {
    const under = (path: Buffer): Buffer => (prefix === '' ? path : Buffer.concat([Buffer.from(prefix), SLASH, path]));
    const { tree, root } = content;
    if (root !== undefined && prefix !== '') yield encodeHeader({ name: Buffer.from(`${prefix}/`), type: 'directory', ...root });
    if (tree !== undefined) {
      const { uid, gid } = tree.owner;
      for (const entry of tree.entries) {
        const name = under(entry.path);
        if (entry.kind === 'dir') {
          yield encodeHeader({ name: Buffer.concat([name, SLASH]), type: 'directory', mode: entry.mode, uid, gid });
        } else if (entry.kind === 'symlink') {
          yield encodeHeader({ name, type: 'symlink', mode: 0o777, uid, gid, linkname: await readlink(sourceOf(entry), { encoding: 'buffer' }) });
        } else {
          yield encodeHeader({ name, type: 'file', mode: entry.mode, uid, gid, size: entry.size });
          yield* fileBytes(sourceOf(entry), entry.size);
          yield padding(entry.size);
        }
      }
    }
    for (const link of content.links ?? []) {
      yield encodeHeader({ name: under(Buffer.from(link.path)), type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: Buffer.from(link.target) });
    }
    for (const file of content.files) {
      const data = Buffer.from(file.content);
      yield encodeHeader({ name: under(Buffer.from(file.path)), type: 'file', mode: 0o444, uid: 0, gid: 0, size: data.length });
      yield data;
      yield padding(data.length);
    }
  }
  yield END_OF_ARCHIVE;
}
