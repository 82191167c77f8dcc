import { stat } from 'node:fs/promises';
import { sniffCompression } from '../compression.ts';
import { ImageError, type LayerRecord } from '../image.ts';
import type { FetchedImage, ImageSource, SourceContext } from '../image-source.ts';
import { readTarArchive, type ArchiveFiles } from './archive-files.ts';
import { fileFingerprint } from '../input-fingerprint.ts';
import { openTarFile } from './tar-file.ts';

const MEDIA_TYPES = {
  none: 'application/vnd.docker.image.rootfs.diff.tar',
  gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** A `docker save` tarball on disk (plain or compressed). */
export function dockerArchiveSource(file: string): ImageSource {
  return {
    kind: 'docker-archive',
    ref: file,
    fingerprint: () => fileFingerprint('docker-archive', file),
    fetch: async (ctx) => {
      const { size } = await stat(file);
      const files = await readTarArchive(await openTarFile(file), file, ctx, size);
      return readDockerArchive(files, ctx);
    },
  };
}

/**
 * Reads the image described by a `docker save` archive's manifest.json: the legacy layout
 * (`<hex>.json` config, `<id>/layer.tar` layers, often symlinked to each other) and the Docker 25+
 * one (`blobs/sha256/<hex>` for both). The config must hash to the id its name claims.
 */
export async function readDockerArchive(files: ArchiveFiles, ctx: SourceContext): Promise<FetchedImage> {
  const manifest = await files.readJson('manifest.json');
  if (!Array.isArray(manifest) || manifest.length === 0) {
    throw new ImageError(`${files.what}: manifest.json lists no image`);
  }
  if (manifest.length > 1) {
    throw new ImageError(`${files.what}: the archive holds ${manifest.length} images; save one image per tarball`);
  }
  const entry = manifest[0] as { Config?: unknown; Layers?: unknown };
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) {
    throw new ImageError(`${files.what}: manifest.json has no Config and Layers`);
  }
  const config = await files.blob(entry.Config, claimedDigest(entry.Config));
  const layers: LayerRecord[] = [];
  for (const name of entry.Layers) {
    const blob = await files.blob(name, claimedDigest(name));
    const mediaType = MEDIA_TYPES[await sniffCompression(ctx.blobs.path(blob.digest))];
    layers.push({ digest: blob.digest, mediaType, size: blob.size });
  }
  return { configDigest: config.digest, layers };
}

/** The digest a name promises: `blobs/sha256/<hex>` and the legacy `<hex>.json`. Legacy layer ids promise nothing. */
function claimedDigest(name: string): string | undefined {
  const match = /^(?:\.\/)?(?:blobs\/sha256\/([0-9a-f]{64})|([0-9a-f]{64})\.json)$/.exec(name);
  const hex = match?.[1] ?? match?.[2];
  return hex === undefined ? undefined : `sha256:${hex}`;
}
