import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { removeDeadTemps, tempPath } from '../../src/util/atomic-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-temps-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('removes the temporary files and folders of dead processes only', async () => {
  const dead = spawnSync('true').pid;
  const mine = path.basename(tempPath(dir, 'blob'));
  const names = [`intake-${dead}-aaaaaaaaaaaa`, `blob-${dead}-dddddddddddd`, mine, `intake-1-cccccccccccc`, 'not-a-temp', `odd-${dead}-xyz`];
  await mkdir(path.join(dir, names[0]!, 'f1'), { recursive: true });
  for (const name of names.slice(1)) await writeFile(path.join(dir, name), '');
  expect(await removeDeadTemps(dir, 'intake-')).toBe(1);
  expect(await removeDeadTemps(dir)).toBe(1);
  expect((await readdir(dir)).sort()).toEqual(names.slice(2).sort());
  expect(await removeDeadTemps(path.join(dir, 'missing'))).toBe(0);
});
