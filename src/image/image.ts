/** The parts of an image config that decide how a grader starts. */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  /** `KEY=value` strings, as in the OCI config. */
  env: string[];
  workingDir: string;
  user: string;
  labels: Record<string, string>;
}

export interface LayerRecord {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry); checked while unpacking. */
  diffId?: string;
}

/** An image imported into the content-addressed store. */
export interface ImageRecord {
  /** `sha256:` digest of the config blob (Docker's image id); names the cached root filesystem. */
  id: string;
  config: ImageConfig;
  layers: LayerRecord[];
}

/** Raised for an image that cannot be used (not found, corrupt, hostile): exit code 1 in the CLI. */
export class ImageError extends Error {
  override name = 'ImageError';
}
