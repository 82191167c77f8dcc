import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import type { PreparedImage, Sandbox } from '../../src/sandbox/sandbox.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';
import { defineBasicCases } from './cases/basics.case.ts';
import { defineBudgetCases, type PythonRuns } from './cases/budgets.case.ts';
import { ROOT, type SuiteContext } from './cases/context.ts';
import { defineFilesystemCases } from './cases/filesystem.case.ts';
import { defineHostCases } from './cases/host.case.ts';
import { defineLimitCases } from './cases/limits.case.ts';
import { defineOutputCases } from './cases/outputs.case.ts';
import { defineRootCases } from './cases/root.case.ts';

export interface SandboxSuiteOptions {
  /**
   * Snapshot of everything the backend could leave behind (see test/support/leftovers.ts);
   * taken before and after every case, which fails on any difference.
   */
  leftovers?: () => Promise<string[]>;
  /** The busybox image as this backend takes it; defaults to the cached busybox root filesystem. */
  image?: () => Promise<PreparedImage>;
  /** The Python test image and a sandbox of this backend that runs it (for the kernel budget cases). */
  python: () => Promise<PythonRuns>;
  /** The backend's host directories (state, live state) that runs must learn nothing about. */
  hostPaths: () => string[];
}

/** Every file, link and directory of an image with its metadata, to prove runs never change it. */
async function fingerprint(root: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const s = await lstat(path);
      lines.push(`${path} ${s.mode} ${s.uid}:${s.gid} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return lines;
}

/**
 * The behavioural suite every sandbox backend must pass: one `describe` per backend, real
 * containers, no mocks. Cases are grouped in ./cases; each asserts how the run ended and, through
 * the leftovers hooks here, that nothing stayed behind.
 */
export function defineSandboxSuite(name: string, make: () => Promise<Sandbox>, options: SandboxSuiteOptions): void {
  describe(`sandbox: ${name}`, () => {
    let sandbox: Sandbox | undefined;
    let image: PreparedImage | undefined;
    let imageBefore: string[] = [];
    let scratch = '';
    let before: string[] = [];

    const ctx: SuiteContext = {
      sandbox: () => sandbox ?? expect.fail('sandbox not ready'),
      image: () => image ?? expect.fail('image not ready'),
      hostDir: () => mkdtemp(join(scratch, 'host-')),
      hostPaths: options.hostPaths,
    };

    beforeAll(async () => {
      image = await (options.image ?? (async () => ({ id: 'busybox-test', rootfs: await busyboxRootfs() })))();
      imageBefore = await fingerprint(image.rootfs);
      scratch = await mkdtemp(join(tmpdir(), 'gradebox-suite-'));
      sandbox = await make();
    });
    afterAll(async () => {
      if (image !== undefined) expect(await fingerprint(image.rootfs), 'the image root filesystem changed').toEqual(imageBefore);
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });
    beforeEach(async () => {
      before = (await options.leftovers?.()) ?? [];
    });
    afterEach(async () => {
      const after = (await options.leftovers?.()) ?? [];
      expect(after, 'the run left something behind').toEqual(before);
    });

    defineBasicCases(ctx);
    defineFilesystemCases(ctx);
    defineLimitCases(ctx);
    defineOutputCases(ctx);
    defineRootCases(ctx);
    defineHostCases(ctx);
    defineBudgetCases(options.python);
    // Gradescope graders run as root: every hostile workload again, as root.
    describe('as root', () => defineLimitCases({ ...ctx, user: ROOT }));
  });
}
