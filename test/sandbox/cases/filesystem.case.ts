import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, sh, type SuiteContext } from './context.ts';

const ODD_NAMES = ['with space', 'new\nline', '-leading-dash', 'ünïcödé ☃.py', ' lead and trail '];

/** Builds a submission directory with awkward names and links that point out of it. */
async function oddSubmission(dir: string): Promise<void> {
  for (const name of ODD_NAMES) await writeFile(join(dir, name), `content of ${name}`);
  await writeFile(Buffer.from(`${dir}/bad-\xff-byte`, 'latin1'), 'not utf-8');
  await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'sub', 'deeper', 'file.txt'), 'deep');
  await symlink('/etc/shadow', join(dir, 'shadow'));
  await symlink('../../etc/passwd', join(dir, 'sub', 'up'));
  await symlink('nowhere', join(dir, 'dangling'));
}

/** The image root, the writable layer, /tmp, volumes and copied inputs. */
export function defineFilesystemCases(ctx: SuiteContext): void {
  describe('filesystem', () => {
    it('keeps the image read-only underneath and sends writes to a per-run layer', async () => {
      const outcome = await run(ctx, {
        argv: sh(`echo new > /home/grader/new && cat /home/grader/new
          echo changed >> /home/grader/.profile && rm /home/grader/.profile && echo REMOVED
          touch /etc/passwd 2>/dev/null || echo ETC-DENIED
          ls -A /home/grader`),
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(outcome.stdout.text).toBe('new\nREMOVED\nETC-DENIED\nnew\n');
      const image = ctx.image().rootfs;
      expect(existsSync(join(image, 'home/grader/new'))).toBe(false);
      expect(await readFile(join(image, 'home/grader/.profile'), 'utf8')).toBe('export PS1=grader$\n');
      // A second run starts from the pristine image again.
      const again = await run(ctx, { argv: sh('ls -A /home/grader') });
      expect(again.stdout.text).toBe('.profile\n');
    });

    it('stops writes at writableMiB with ENOSPC, for the layer and the volumes alike', async () => {
      const outcome = await run(ctx, {
        argv: sh(`dd if=/dev/zero of=/home/grader/big bs=1M count=16 2>&1 | grep -o "No space left on device"
          rm /home/grader/big; dd if=/dev/zero of=/shared/big bs=1M count=16 2>&1 | grep -o "No space left on device"
          rm /shared/big; echo fine > /home/grader/after && cat /home/grader/after`),
        limits: { writableMiB: 4 },
      });
      expect(outcome.stdout.text).toBe('No space left on device\nNo space left on device\nfine\n');
    });

    it('ends normally when the run fills its disk at once (the runtime keeps its own files elsewhere)', async () => {
      // A race once: the runtime wrote its pid file into the space the run had just filled.
      for (let i = 0; i < 3; i++) {
        const outcome = await run(ctx, { argv: sh('dd if=/dev/zero of=/shared/fill bs=1M 2>/dev/null; exit 3'), limits: { writableMiB: 1 } });
        expect(outcome).toMatchObject({ reason: 'exited', exitCode: 3 });
      }
    });

    it('makes the working directory / writable for a non-root grader that asks (rootWritable), within writableMiB', async () => {
      // Coursera's R grader runs in / and writes Rplots.pdf there; relative paths must still reach the image.
      const outcome = await run(ctx, {
        cwd: '/', rootWritable: true, limits: { writableMiB: 4 },
        argv: sh(`echo plot > Rplots.pdf && cat Rplots.pdf && ls bin/sh home/grader/.profile && ls shared >/dev/null && echo REACHED
          dd if=/dev/zero of=big bs=1M count=16 2>&1 | grep -o "No space left on device"; rm -f big
          touch /etc/changed 2>/dev/null || echo ETC-DENIED`),
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(outcome.stdout.text).toBe('plot\nbin/sh\nhome/grader/.profile\nREACHED\nNo space left on device\nETC-DENIED\n');
    });

    it('stops writes to /tmp at tmpMiB with ENOSPC', async () => {
      const outcome = await run(ctx, {
        argv: sh('dd if=/dev/zero of=/tmp/big bs=1M count=16 2>&1 | grep -o "No space left on device"; df -k /tmp | tail -1'),
        limits: { tmpMiB: 2 },
      });
      expect(outcome.stdout.text).toMatch(/^No space left on device\n\S+\s+2048\s/);
    });

    it('mounts volumes in nesting order, owned and writable as asked', async () => {
      const input = await ctx.hostDir();
      await writeFile(join(input, 'a.txt'), 'submitted');
      const outcome = await run(ctx, {
        // Child listed before its parent on purpose: the sandbox must order them.
        volumes: [
          { target: '/shared/submission', readOnly: true, owner: 'root', copyFrom: input },
          { target: '/shared', readOnly: false, owner: 'user' },
          { target: '/autograder/submission', readOnly: false, owner: 'user', copyFrom: input },
        ],
        argv: sh(`stat -c '%n %u:%g' /shared /shared/submission /shared/submission/a.txt /autograder/submission/a.txt
          cat /shared/submission/a.txt; echo
          touch /shared/submission/x 2>/dev/null || echo SUBMISSION-READ-ONLY
          echo hi > /shared/feedback.json && echo SHARED-WRITABLE
          rm /autograder/submission/a.txt && echo GRADESCOPE-WRITABLE`),
      });
      expect(outcome.stdout.text).toBe([
        '/shared 1000:1000', '/shared/submission 0:0', '/shared/submission/a.txt 0:0', '/autograder/submission/a.txt 1000:1000',
        'submitted', 'SUBMISSION-READ-ONLY', 'SHARED-WRITABLE', 'GRADESCOPE-WRITABLE', '',
      ].join('\n'));
      expect(await readFile(join(input, 'a.txt'), 'utf8')).toBe('submitted');
    });

    it('copies inputs without following links and keeps odd names intact', async () => {
      const input = await ctx.hostDir();
      await oddSubmission(input);
      const outcome = await run(ctx, {
        volumes: [{ target: '/shared/submission', readOnly: true, owner: 'root', copyFrom: input }],
        argv: sh(`cd /shared/submission && find . -print0
          echo --END--; readlink shadow; readlink sub/up; readlink dangling; stat -c %F shadow
          cat shadow 2>/dev/null || echo SHADOW-UNREADABLE
          cat ./-leading-dash; echo; cat "new
line"`),
      });
      const [listing = '', rest] = outcome.stdout.text.split('--END--\n');
      const names = listing.split('\0').filter(Boolean).sort();
      expect(names).toEqual([
        '.', ...ODD_NAMES.map((name) => `./${name}`), './bad-\uFFFD-byte', './dangling', './shadow',
        './sub', './sub/deeper', './sub/deeper/file.txt', './sub/up',
      ].sort());
      expect(rest).toBe('/etc/shadow\n../../etc/passwd\nnowhere\nsymbolic link\nSHADOW-UNREADABLE\ncontent of -leading-dash\ncontent of new\nline');
      expect(await readlink(join(input, 'shadow'))).toBe('/etc/shadow');
    });

    it('copies listed files, each from its own host file, into the folders their paths need', async () => {
      const store = await ctx.hostDir();
      await writeFile(join(store, 'blob-1'), 'print(1)\n', { mode: 0o444 });
      await writeFile(join(store, 'blob-2'), 'odd', { mode: 0o444 });
      const outcome = await run(ctx, {
        volumes: [{
          target: '/autograder/submission', readOnly: false, owner: 'user',
          copyFrom: { files: [{ path: 'src/main.py', source: join(store, 'blob-1'), size: 9 }, { path: 'new\nline ☃', source: join(store, 'blob-2'), size: 3 }] },
        }],
        argv: sh(`cd /autograder/submission && stat -c '%n %a %u' src src/main.py "new
line ☃"; cat src/main.py; cat "new
line ☃"`),
      });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(outcome.stdout.text).toBe('src 755 1000\nsrc/main.py 644 1000\nnew\nline ☃ 644 1000\nprint(1)\nodd');
    });

    it('keeps the scratch files readable after the run when asked', async () => {
      const outcome = await run(ctx, {
        keep: true,
        argv: sh('echo kept > /shared/feedback.json; echo layer > /home/grader/notes; ln -s /etc/shadow /shared/link'),
      });
      expect(outcome.reason).toBe('exited');
      const kept = outcome.keptAt ?? expect.fail('no keptAt');
      try {
        // Where each backend puts things under keptAt is its own business; the files must be there.
        const files = (await readdir(kept, { recursive: true })).map((path) => join(kept, path));
        const named = (name: string): string => files.find((path) => path.endsWith(`/${name}`)) ?? expect.fail(`${name} not kept`);
        expect(await readFile(named('feedback.json'), 'utf8')).toBe('kept\n');
        expect(await readFile(named('notes'), 'utf8')).toBe('layer\n');
        expect(await readlink(named('link'))).toBe('/etc/shadow');
      } finally {
        await rm(kept, { recursive: true, force: true });
      }
    });
  });
}
