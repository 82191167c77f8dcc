import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { stateTag } from '../../src/sandbox/state-tag.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'gradebox-state-tag-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The tag every release so far has derived from a state directory's path. */
const hashOf = (dir: string): string => createHash('sha256').update(dir).digest('hex').slice(0, 8);

it('is the hash of the directory\'s path, kept in the directory once it exists', async () => {
  // Not there yet: computed, nowhere to keep it.
  expect(stateTag(join(work, 'later'))).toBe(hashOf(join(work, 'later')));
  const dir = join(work, 'state');
  await mkdir(dir);
  expect(stateTag(`${dir}/./`)).toBe(hashOf(dir));
  expect(await readFile(join(dir, 'state-tag'), 'utf8')).toBe(`${hashOf(dir)}\n${dir}\n`);
});

it('takes the kept tag only for the path it was computed for, and a well-formed one only', async () => {
  const moved = join(work, 'moved');
  await mkdir(join(work, 'original'));
  await writeFile(join(work, 'original', 'state-tag'), `0badc0de\n${join(work, 'original')}\n`);
  await rename(join(work, 'original'), moved);
  expect(stateTag(moved)).toBe(hashOf(moved));

  const garbled = join(work, 'garbled');
  await mkdir(garbled);
  await writeFile(join(garbled, 'state-tag'), `../../x\n${garbled}\n`);
  expect(stateTag(garbled)).toBe(hashOf(garbled));

  const planted = join(work, 'planted');
  await mkdir(planted);
  await writeFile(join(planted, 'state-tag'), `0badc0de\n${planted}\n`);
  // What the directory's owner wrote for this very path is taken as it is (it is their state).
  expect(stateTag(planted)).toBe('0badc0de');
});
