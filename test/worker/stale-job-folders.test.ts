import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { removeStaleJobFolders } from '../../src/worker/stale-job-folders.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-work-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('removes the job folders of dead workers only', async () => {
  const dead = spawnSync('true').pid;
  const names = [`job-job_a-${dead}-aaaaaaaaaaaa`, `job-job_b-${process.pid}-bbbbbbbbbbbb`, `job-job_c-1-cccccccccccc`, 'not-a-job-folder'];
  for (const name of names) await mkdir(path.join(dir, name, 'submission'), { recursive: true });
  expect(await removeStaleJobFolders(dir)).toBe(1);
  expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort());
  expect(await removeStaleJobFolders(path.join(dir, 'missing'))).toBe(0);
});
