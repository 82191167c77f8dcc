import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempPath } from '../util/atomic-file.ts';
import { nodeCrypto } from '../util/node-crypto.ts';

/** The file in a state directory that keeps its tag and the path it was computed for. */
const TAG_FILE = 'state-tag';
const TAG = /^[0-9a-f]{8}$/;
const known = new Map<string, string>();

/**
 * A short hash naming one sandbox state directory, in both backends' run names and in the oci
 * backend's live state directories: runs of two state directories never touch each other's
 * cgroups or containers, which share host-wide namespaces.
 *
 * The hash of the directory's path is kept in the directory, so that a run does not load
 * node:crypto to compute it again (see node-crypto.ts); a directory moved or copied elsewhere,
 * whose file names another path, gets the hash of its new path. Where the file cannot be written
 * (the directory does not exist yet, or is read-only), the hash is computed each time.
 */
export function stateTag(stateDir: string): string {
  const dir = resolve(stateDir);
  let tag = known.get(dir) ?? savedTag(dir);
  if (tag === undefined) {
    tag = nodeCrypto().createHash('sha256').update(dir).digest('hex').slice(0, 8);
    saveTag(dir, tag);
  }
  known.set(dir, tag);
  return tag;
}

function savedTag(dir: string): string | undefined {
  try {
    const [tag, path] = readFileSync(join(dir, TAG_FILE), 'utf8').split('\n');
    return path === dir && tag !== undefined && TAG.test(tag) ? tag : undefined;
  } catch {
    return undefined;
  }
}

function saveTag(dir: string, tag: string): void {
  const temp = tempPath(dir, TAG_FILE);
  try {
    writeFileSync(temp, `${tag}\n${dir}\n`, { mode: 0o644 });
    renameSync(temp, join(dir, TAG_FILE));
  } catch {
    // Not there yet, or read-only: computed again next time (and no temporary file left).
    rmSync(temp, { force: true });
  }
}
