import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BlobInfo, ByteSource } from '../blob-store.ts';
import { digestHex } from '../digest.ts';
import { ImageError } from '../image.ts';
import type { SourceContext } from '../image-source.ts';
import { forEachTarEntry } from '../tar-entries.ts';

const MAX_JSON = 16 << 20;

/**
 * The files of an image archive (a `docker save` tarball or an OCI layout), by their path inside
 * it. Readers of both formats work on this, whether the archive is a directory or a tar stream.
 */
export interface ArchiveFiles {
  /** Names the archive in messages. */
  readonly what: string;
  has(name: string): Promise<boolean>;
  /** Parses a small metadata file as JSON; ImageError when it is missing or malformed. */
  readJson(name: string): Promise<unknown>;
  /** Puts a file into the blob store (if not there yet) and returns its digest; `expected` is checked. */
  blob(name: string, expected?: string): Promise<BlobInfo>;
}

type TarFile = { data: Buffer } | { stored: BlobInfo } | { link: string };

// Metadata read into memory; everything else (layers, OCI blobs) streams into the blob store.
const METADATA = /(^|\/)(manifest\.json|index\.json|oci-layout|repositories|json|VERSION)$|^[^/]+\.json$/;
const OCI_BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

/**
 * Reads a whole tar archive in one pass (a daemon's export cannot be read twice): metadata into
 * memory, every other file into the blob store. A `blobs/sha256/<hex>` entry must hash to its name.
 */
export async function readTarArchive(
  source: ByteSource,
  what: string,
  ctx: SourceContext,
  total?: number,
): Promise<ArchiveFiles> {
  const files = new Map<string, TarFile>();
  let done = 0;
  let reported = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      done += chunk.length;
      if (done - reported >= 4 << 20) {
        reported = done;
        ctx.progress({ phase: 'read', done, total });
      }
      yield chunk;
    }
  }
  await forEachTarEntry(
    counted(),
    what,
    async (entry) => {
      const { name: raw, type, size = 0, linkname } = entry.header;
      const name = clean(raw);
      if (type === 'symlink' && linkname) {
        const target = linkname.startsWith('/') ? linkname : path.posix.join(path.posix.dirname(name), linkname);
        files.set(name, { link: target });
      }
      else if (type === 'link' && linkname) files.set(name, { link: clean(linkname) });
      if (type !== 'file' && type !== 'contiguous-file') return;
      const oci = OCI_BLOB.exec(name);
      if (!oci && METADATA.test(name) && size <= MAX_JSON) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk);
        files.set(name, { data: Buffer.concat(chunks) });
        return;
      }
      const expected = oci ? `sha256:${oci[1]}` : undefined;
      const stored = await ctx.blobs.put(entry, { expected, what: `${what}: ${name}`, signal: ctx.signal });
      files.set(name, { stored });
    },
    ctx.signal,
  );
  ctx.progress({ phase: 'read', done, total });

  const resolve = (name: string): Exclude<TarFile, { link: string }> | undefined => {
    let file = files.get(clean(name));
    for (let hops = 0; file && 'link' in file && hops < 8; hops++) file = files.get(clean(file.link));
    return file === undefined || 'link' in file ? undefined : file;
  };
  const need = (name: string): Exclude<TarFile, { link: string }> => {
    const file = resolve(name);
    if (!file) throw new ImageError(`${what}: the archive has no file ${name}`);
    return file;
  };
  return {
    what,
    has: async (name) => resolve(name) !== undefined,
    readJson: async (name) => {
      const file = need(name);
      return parseJson(what, name, 'data' in file ? file.data : await ctx.blobs.read(file.stored.digest, MAX_JSON));
    },
    blob: async (name, expected) => {
      const file = need(name);
      if ('data' in file) return ctx.blobs.put(Readable.from([file.data]), { expected, what: `${what}: ${name}` });
      if (expected !== undefined && file.stored.digest !== expected) {
        throw new ImageError(`${what}: ${name}: digest mismatch: expected ${expected}, content is ${file.stored.digest}`);
      }
      return file.stored;
    },
  };
}

/** The files of an archive unpacked in a directory (an OCI layout directory). Reads only what is asked for. */
export function directoryArchive(dir: string, ctx: SourceContext): ArchiveFiles {
  const what = dir;
  const at = (name: string): string => path.join(dir, clean(name));
  return {
    what,
    has: async (name) => stat(at(name)).then((s) => s.isFile(), () => false),
    readJson: async (name) => {
      const info = await stat(at(name)).catch(() => undefined);
      if (!info?.isFile()) throw new ImageError(`${what}: the layout has no file ${name}`);
      if (info.size > MAX_JSON) throw new ImageError(`${what}: ${name} is too large for metadata (${info.size} bytes)`);
      return parseJson(what, name, await readFile(at(name)));
    },
    blob: async (name, expected) => {
      // A blob already in the store was verified when it was stored; reading it again would only cost time.
      if (expected !== undefined) digestHex(expected); // a malformed digest is refused, not looked up
      if (expected !== undefined && (await ctx.blobs.has(expected))) {
        return { digest: expected, size: (await stat(ctx.blobs.path(expected))).size };
      }
      if (!(await stat(at(name)).then((s) => s.isFile(), () => false))) {
        throw new ImageError(`${what}: the layout has no blob ${name}`);
      }
      return ctx.blobs.put(createReadStream(at(name)), { expected, what: `${what}: ${name}`, signal: ctx.signal });
    },
  };
}

/** Archive-internal names: `./x`, `x` and `/x` are the same file. */
function clean(name: string): string {
  return path.posix.normalize(name).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function parseJson(what: string, name: string, data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    throw new ImageError(`${what}: ${name} is not valid JSON`);
  }
}
