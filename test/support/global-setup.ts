// Builds (or finds cached) test images once before the whole suite; tests get name → path with
// `inject('testImages')` (busybox, python, busybox-oci-dir, busybox-oci-tar, one per grader fixture).
// Afterwards removes the live state directories (see liveStateDir) that the suite's temporary
// sandbox state directories left: empty directories on a tmpfs, one set per state directory.
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildTestImages } from '../../scripts/build-test-images.ts';
import { LIVE_BASES, removeEmptyFolders } from '../../src/sandbox/oci/live-dir.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testImages: Record<string, string>;
  }
}


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const before = new Map(await Promise.all(LIVE_BASES.map(async (base) => [base, new Set(await readdir(base).catch(() => undefined))] as const)));
  project.provide('testImages', await buildTestImages({ log: (line) => console.log(`[test images] ${line}`) }));
  return async () => {
    for (const [base, existed] of before) {
      // Only what this run made; a leftover run stays (a test failed over it) for looking at.
      for (const tag of await readdir(base).catch(() => [])) if (!existed?.has(tag)) await removeEmptyFolders(join(base, tag));
      if (existed === undefined) await rmdir(base).catch(() => undefined);
    }
  };
}
