import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A key that changes when the file (or directory) may have changed, for the import cache. */
export async function fileFingerprint(kind: string, file: string): Promise<string> {
  const st = await stat(file);
  return [kind, await realpath(file), st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs].join('\0');
}

/**
 * The fingerprints an on-disk input would have under each source kind that can read it (see
 * detect-source.ts), without reading it: a file may be a `docker save` archive or an OCI layout
 * tar, a directory an OCI layout. Lets an unchanged input be recognised before anything is
 * opened or loaded. Empty for what is not on disk (a daemon image name).
 */
export async function inputFingerprints(ref: string): Promise<string[]> {
  const info = await stat(ref).catch(() => undefined);
  if (info?.isFile()) return Promise.all([fileFingerprint('docker-archive', ref), fileFingerprint('oci-tar', ref)]);
  if (info?.isDirectory()) {
    const index = path.join(ref, 'index.json');
    return (await stat(index).catch(() => undefined))?.isFile() === true ? [await fileFingerprint('oci-dir', index)] : [];
  }
  return [];
}
