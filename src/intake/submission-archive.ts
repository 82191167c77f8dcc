import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { BlobStore } from '../image/blob-store.ts';
import type { SubmissionFile } from '../platform/model.ts';
import { sortManifest } from './manifest.ts';
import { parentFolders } from '../util/parent-folders.ts';

// Fixed metadata: the same files always make the same bytes (and leak nothing about the server).
const EPOCH = new Date(0);

/**
 * Streams a submission's files as a tar (ustar, with pax headers for long names): a folder entry
 * (0755) before the first file inside it, files 0644, owner 0:0, mtime 0, sorted by path. Blobs
 * are read from the store as the tar is consumed; a missing blob destroys the stream with the error.
 */
export function submissionArchive(blobs: BlobStore, files: readonly SubmissionFile[]): Readable {
  const pack = tar.pack();
  const meta = { uid: 0, gid: 0, uname: '', gname: '', mtime: EPOCH };
  void (async () => {
    try {
      const folders = new Set<string>();
      for (const file of sortManifest(files)) {
        for (const folder of parentFolders(file.path)) {
          if (folders.has(folder)) continue;
          folders.add(folder);
          pack.entry({ ...meta, name: folder, type: 'directory', mode: 0o755 });
        }
        await pipeline(blobs.open(file.digest), pack.entry({ ...meta, name: file.path, size: file.size, mode: 0o644 }));
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream's pack is a streamx stream; Readable.from gives callers (fastify, pipeline) a Node stream.
  return Readable.from(pack);
}
