// Builds (or finds cached) test images once before the whole suite; tests get name → path with
// `inject('testImages')` (busybox, python, busybox-oci-dir, busybox-oci-tar, one per grader fixture).
import type { TestProject } from 'vitest/node';
import { buildTestImages } from '../../scripts/build-test-images.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testImages: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('testImages', await buildTestImages({ log: (line) => console.log(`[test images] ${line}`) }));
}
