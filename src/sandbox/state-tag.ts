import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * A short hash naming one sandbox state directory, in both backends' run names and in the oci
 * backend's live state directories: runs of two state directories never touch each other's
 * cgroups or containers, which share host-wide namespaces.
 */
export function stateTag(stateDir: string): string {
  return createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 8);
}
