import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageError } from '../image.ts';
import type { ImageSource } from '../image-source.ts';
import { dockerArchiveSource } from './docker-archive.ts';
import { dockerDaemonSource } from './docker-daemon.ts';
import { ociLayoutSource } from './oci-layout.ts';
import { peekTar } from './tar-file.ts';

// Docker's reference grammar, loosely: [domain[:port]/]path[:tag][@digest], lowercase path components.
const IMAGE_NAME = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const ARCHIVE_SUFFIX = /\.(tar|tgz|tar\.gz|tar\.zst|oci)$/;

/**
 * The one place that knows every source: picks one for what the user typed.
 * - a directory with an `oci-layout` file: an OCI layout directory;
 * - a file: a tar (plain, gzip or zstd) holding an OCI layout or a `docker save` archive;
 * - anything else that reads as an image name: an image in the local Docker daemon.
 * ImageError for a missing path, a directory or file of neither kind, and a non-tar file.
 */
export async function detectSource(ref: string): Promise<ImageSource> {
  const info = await stat(ref).catch(() => undefined);
  if (info?.isDirectory()) {
    const layout = await stat(path.join(ref, 'oci-layout')).catch(() => undefined);
    if (layout?.isFile()) return ociLayoutSource(ref, 'dir');
    throw new ImageError(`${ref} is a directory without an oci-layout file, so not an OCI image layout`);
  }
  if (info?.isFile()) {
    const format = await peekTar(ref);
    if (format === 'oci-layout') return ociLayoutSource(ref, 'tar');
    if (format === 'docker-archive') return dockerArchiveSource(ref);
    throw new ImageError(
      `${ref} is a tar archive but neither a docker save archive (no manifest.json) nor an OCI image layout (no oci-layout)`,
    );
  }
  if (info) throw new ImageError(`${ref} is neither a file nor a directory`);
  if (looksLikePath(ref)) throw new ImageError(`${ref}: no such file or directory`);
  return dockerDaemonSource(ref);
}

/** A reference that cannot be an image name, or is spelled like a file, is a path the user meant. */
function looksLikePath(ref: string): boolean {
  return path.isAbsolute(ref) || /^\.\.?\//.test(ref) || ARCHIVE_SUFFIX.test(ref) || !IMAGE_NAME.test(ref);
}
