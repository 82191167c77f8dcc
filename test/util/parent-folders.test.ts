import { expect, it } from 'vitest';
import { parentFolders } from '../../src/util/parent-folders.ts';

it('lists the folders a relative path sits in, outermost first', () => {
  expect(parentFolders('a/b/c.txt')).toEqual(['a', 'a/b']);
  expect(parentFolders('top.txt')).toEqual([]);
  expect(parentFolders('with space/ünï/x')).toEqual(['with space', 'with space/ünï']);
});
