// Builds (or finds cached) test images once before the whole suite; tests get name → path with
// `inject('testImages')` (busybox, python, busybox-oci-dir, busybox-oci-tar, one per grader fixture).
// Afterwards removes the live state directories (see liveStateDir) that the suite's temporary
// sandbox state directories left: empty directories on a tmpfs, one set per state directory.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildTestImages } from '../../scripts/build-test-images.ts';
import { LIVE_BASES } from '../../src/sandbox/oci/live-dir.ts';

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
      for (const tag of await readdir(base).catch(() => [])) {
        // Only what this run made, and only while nothing but empty directories is in it: a
        // leftover run would make a test fail, and is kept for looking at.
        if (!existed?.has(tag) && (await onlyEmptyDirs(join(base, tag)))) await rm(join(base, tag), { recursive: true });
      }
      if (existed === undefined) await rmdir(base).catch(() => undefined);
    }
  };
}

async function onlyEmptyDirs(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !(await onlyEmptyDirs(join(dir, entry.name)))) return false;
  }
  return true;
}
