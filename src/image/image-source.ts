import type { BlobStore } from './blob-store.ts';
import type { LayerRecord } from './image.ts';

/** Progress of a long step: `phase` names it (`read`, `unpack`, ...), `total` when known. */
export interface ImportProgress {
  phase: string;
  done: number;
  total?: number;
  /** What `done` and `total` count; bytes unless said otherwise. */
  unit?: 'bytes' | 'layers';
}

/** What a source gets to work with while fetching an image. */
export interface SourceContext {
  blobs: BlobStore;
  signal?: AbortSignal;
  progress: (p: ImportProgress) => void;
}

/** An image whose config and layer blobs are now in the blob store, each verified. */
export interface FetchedImage {
  /** Digest of the image config blob (the image id). */
  configDigest: string;
  /** Layers from the bottom up. */
  layers: LayerRecord[];
}

/**
 * Somewhere an image comes from (a tarball, an OCI layout, a Docker daemon). The core knows
 * sources only through this interface; `sources/detect-source.ts` picks one for a reference.
 */
export interface ImageSource {
  /** Short kind, for messages and logs: `docker-archive`, `oci-layout`, `docker-daemon`. */
  readonly kind: string;
  /** The reference the user gave. */
  readonly ref: string;
  /**
   * A key that changes whenever the input's content may have changed (path, size, mtime, inode),
   * cheap to compute; undefined when no such key exists. Lets an unchanged input skip re-hashing.
   */
  fingerprint(): Promise<string | undefined>;
  /** Copies the image's config and layers into the blob store, verifying every digest. */
  fetch(ctx: SourceContext): Promise<FetchedImage>;
}
