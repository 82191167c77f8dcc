import { inject } from 'vitest';

/** Path of a test image built by the global setup (scripts/build-test-images.ts), by name. */
export function testImage(name: string): string {
  const path = inject('testImages')[name];
  if (path === undefined) throw new Error(`no test image ${name} (see scripts/build-test-images.ts)`);
  return path;
}
