/** What `gradebox submit PATH...` sends: files, folders walked with their relative paths, or one archive. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSubmission, SubmissionInputError, submissionForm } from '../../src/client/submission-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradebox-submission-files-'));
  await mkdir(join(dir, 'work', 'src', 'deep'), { recursive: true });
  await writeFile(join(dir, 'work', 'main.py'), 'print(1)\n');
  await writeFile(join(dir, 'work', 'src', 'util.py'), 'x = 1\n');
  await writeFile(join(dir, 'work', 'src', 'deep', 'data.txt'), 'data');
  await writeFile(join(dir, 'notes.md'), '# notes\n');
  await writeFile(join(dir, 'main.py'), 'print(2)\n');
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'answer.zip'), 'PK\u0003\u0004 not really');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = async (...paths: string[]): Promise<string[]> => {
  const content = await collectSubmission(paths);
  if (content.kind !== 'files') throw new Error('expected files');
  return content.files.map((f) => f.name);
};

describe('collectSubmission', () => {
  it("a folder's files keep their paths inside it; files go by their name; sorted", async () => {
    expect(await names(join(dir, 'work'))).toEqual(['main.py', 'src/deep/data.txt', 'src/util.py']);
    expect(await names(join(dir, 'notes.md'), join(dir, 'work', 'src'))).toEqual(['deep/data.txt', 'notes.md', 'util.py']);
    const content = await collectSubmission([join(dir, 'notes.md')]);
    expect(content).toEqual({ kind: 'files', files: [{ name: 'notes.md', file: join(dir, 'notes.md'), size: 8 }] });
  });

  it('one .zip, .tar, .tar.gz or .tgz file is sent as an archive; among other paths it is a file', async () => {
    expect(await collectSubmission([join(dir, 'answer.zip')])).toEqual({ kind: 'archive', file: join(dir, 'answer.zip'), size: 15 });
    expect(await names(join(dir, 'answer.zip'), join(dir, 'notes.md'))).toEqual(['answer.zip', 'notes.md']);
  });

  it('follows symbolic links to files; refuses links to folders or to nothing, and special files', async () => {
    const links = join(dir, 'links');
    await mkdir(links);
    await symlink(join(dir, 'notes.md'), join(links, 'notes-link.md'));
    expect(await names(links)).toEqual(['notes-link.md']);
    await symlink(join(dir, 'work'), join(links, 'folder-link'));
    await expect(collectSubmission([links])).rejects.toThrow(/folder-link is a symbolic link to a folder; only links to files are followed/);
    await rm(join(links, 'folder-link'));
    await symlink(join(dir, 'nowhere'), join(links, 'dangling'));
    await expect(collectSubmission([links])).rejects.toThrow(/dangling is a symbolic link to nothing/);
    await rm(join(links, 'dangling'));
    execFileSync('mkfifo', [join(links, 'fifo')]);
    await expect(collectSubmission([links])).rejects.toThrow(/fifo is not a regular file/);
    await rm(links, { recursive: true });
  });

  it.each([
    ['no path', [], /name at least one file or folder/],
    ['a missing path', ['nope'], /nope: no such file or folder/],
    ['an empty folder', ['empty'], /nothing to submit: .*empty holds no files/],
    ['two files with the same name', ['main.py', 'work'], /two files would both be "main\.py" in the submission: .*main\.py and .*work\/main\.py/],
  ])('%s: SubmissionInputError', async (_what, paths, message) => {
    const error = await collectSubmission(paths.map((p) => join(dir, p))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionInputError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('submissionForm', () => {
  it('fields, then one `file` part per file named by its path, streamed from disk', async () => {
    const form = await submissionForm(await collectSubmission([join(dir, 'work')]), { kind: 'author-test', useDrafts: true, parts: ['sums', 'averages'] });
    expect([...form.keys()]).toEqual(['kind', 'useDrafts', 'part', 'part', 'file', 'file', 'file']);
    expect(form.getAll('part')).toEqual(['sums', 'averages']);
    expect(form.get('useDrafts')).toBe('true');
    const files = form.getAll('file') as File[];
    expect(files.map((f) => f.name)).toEqual(['main.py', 'src/deep/data.txt', 'src/util.py']);
    expect(await files[1]?.text()).toBe('data');
  });

  it('an archive is one `archive` part; a student submission has no kind field', async () => {
    const form = await submissionForm(await collectSubmission([join(dir, 'answer.zip')]));
    expect([...form.keys()]).toEqual(['archive']);
    expect((form.get('archive') as File).name).toBe('answer.zip');
  });
});
