import { createHash } from 'node:crypto';
import type { SubmissionFile } from '../platform/model.ts';

/** Orders paths by their UTF-8 bytes, so the order is the same in every language and locale. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The files sorted by path (a copy), as a submission's manifest lists them. */
export function sortManifest(files: readonly SubmissionFile[]): SubmissionFile[] {
  return [...files].sort((x, y) => comparePaths(x.path, y.path));
}

/**
 * The `sha256:` digest of a submission's canonical manifest: the JSON array of `[path, size,
 * digest]` triples sorted by path, no whitespace. Same files, same digest, whatever the order or
 * the way they were uploaded (file parts, zip or tar); the platform records it as the submission's
 * digest.
 */
export function manifestDigest(files: readonly SubmissionFile[]): string {
  const canonical = JSON.stringify(sortManifest(files).map((f) => [f.path, f.size, f.digest]));
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
