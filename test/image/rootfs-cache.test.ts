import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestHex } from '../../src/image/digest.ts';
import type { ImageRecord } from '../../src/image/image.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { dir, file, makeImage, makeSandbox, type Sandbox } from './build-image.ts';
import { sandboxIdRange } from '../../src/sandbox/id-range.ts';

/** Where the store keeps unpacked roots: one folder per id range (see src/sandbox/id-range.ts). */
const ROOTFS_DIR = `rootfs-${sandboxIdRange().base}`;

let box: Sandbox;
let record: ImageRecord;
beforeEach(async () => {
  box = await makeSandbox();
  const files = Array.from({ length: 200 }, (_, i) => file(`data/f${i}`, `file ${i}\n`.repeat(100)));
  const tar = await makeImage(box.dir, [[dir('data/'), ...files], [file('top', 'top')]], { compression: 'gzip' });
  record = await new ImageStore(box.store).import(tar);
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

/** Counts unpacks started, through the progress callback. */
function counter(): { count: () => number; onProgress: (p: { phase: string; done: number }) => void } {
  let started = 0;
  return { count: () => started, onProgress: (p) => void (p.phase === 'unpack' && p.done === 0 && started++) };
}

describe('root filesystem cache', () => {
  it('unpacks once for concurrent callers, in one store and across stores on one root', async () => {
    const a = new ImageStore(box.store);
    const b = new ImageStore(box.store);
    const seen = counter();
    const roots = await Promise.all([
      a.rootfs(record, seen),
      a.rootfs(record, seen),
      b.rootfs(record, seen),
      b.rootfs(record, seen),
    ]);
    expect(new Set(roots).size).toBe(1);
    expect(seen.count()).toBe(1);
    expect(roots[0]).toBe(path.join(box.store, ROOTFS_DIR, digestHex(record.id), 'root'));
    expect(await readFile(path.join(roots[0] ?? '', 'top'), 'utf8')).toBe('top');
    expect(await a.rootfs(record, seen)).toBe(roots[0]);
    expect(seen.count()).toBe(1);
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
  });

  it('unpacks once for concurrent callers in two processes', async () => {
    const script = path.join(box.dir, 'child.ts');
    const storeModule = path.resolve(import.meta.dirname, '../../src/image/image-store.ts');
    await writeFile(
      script,
      `import { ImageStore } from ${JSON.stringify(storeModule)};\n` +
        `let unpacked = 0;\n` +
        `const root = await new ImageStore(process.argv[2]).rootfs(JSON.parse(process.argv[3]), { onProgress: (p) => { if (p.phase === 'unpack' && p.done === 0) unpacked++; } });\n` +
        `console.log(JSON.stringify({ root, unpacked }));\n`,
    );
    const run = async (): Promise<{ root: string; unpacked: number }> => {
      const { stdout } = await promisify(execFile)(process.execPath, [script, box.store, JSON.stringify(record)]);
      return JSON.parse(stdout) as { root: string; unpacked: number };
    };
    const results = await Promise.all([run(), run(), run()]);
    expect(new Set(results.map((r) => r.root)).size).toBe(1);
    expect(results.reduce((sum, r) => sum + r.unpacked, 0)).toBe(1);
  });

  it('discards and redoes a half-unpacked root left by a crash, and clears stale temporaries and locks', async () => {
    const hex = digestHex(record.id);
    const entry = path.join(box.store, ROOTFS_DIR, hex);
    await mkdir(path.join(entry, 'root', 'data'), { recursive: true });
    await writeFile(path.join(entry, 'root', 'half-written'), 'partial');
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max: never a live process
    const staleTemp = path.join(box.store, 'tmp', `rootfs-${hex}-${deadPid}-abcdef`);
    await mkdir(path.join(staleTemp, 'root'), { recursive: true });
    await writeFile(path.join(box.store, ROOTFS_DIR, `${hex}.lock`), `${deadPid}\n`);

    const seen = counter();
    const root = await new ImageStore(box.store).rootfs(record, seen);
    expect(seen.count()).toBe(1);
    expect((await readdir(root)).sort()).toEqual(['data', 'top']);
    expect((await readdir(path.join(root, 'data'))).length).toBe(200);
    expect(JSON.parse(await readFile(path.join(entry, 'complete.json'), 'utf8'))).toMatchObject({ id: record.id, warnings: [] });
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
    expect(await readdir(path.join(box.store, ROOTFS_DIR))).toEqual([hex]);
  });

  it('stops on abort and leaves nothing half done', async () => {
    const controller = new AbortController();
    const pending = new ImageStore(box.store).rootfs(record, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'unpack' && p.done === 0) controller.abort();
      },
    });
    await expect(pending).rejects.toThrow(/abort/i);
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
    expect(await readdir(path.join(box.store, ROOTFS_DIR))).toEqual([]);
    // And a later call still works.
    const root = await new ImageStore(box.store).rootfs(record);
    expect((await stat(path.join(root, 'top'))).isFile()).toBe(true);
  });
});
