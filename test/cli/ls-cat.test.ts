/**
 * `gradebox ls` and `gradebox cat` end to end: the real command (bin/gradebox.js over dist/, so
 * build first) on the busybox and python test images and on images built here, with exit codes,
 * stdout versus stderr, --json, colours, binary output, and no container runtime installed.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink as fsSymlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PASSWD } from '../../scripts/test-images/base-busybox.ts';
import { dir, file, makeImage, symlink } from '../image/build-image.ts';
import { hidingPrograms } from '../support/hide-programs.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';

const ESC = '\u001b';

let work: string;
let home: string;
/** An image built here: dotfiles, every kind of symlink, a big and a binary file, a whiteout. */
let custom: string;
let bigSha: string;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function gradebox(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...env }) });
}

/** stdout as bytes (runCli decodes it as UTF-8, which binary content does not survive). */
async function catBytes(...args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [GRADEBOX_BIN, 'cat', ...args], {
    encoding: 'buffer', maxBuffer: 64 << 20, env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1' }),
  });
  return { stdout, stderr: stderr.toString() };
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-ls-cat-test-'));
  home = join(work, 'home');
  await mkdir(home);
  const big = join(work, 'big.bin');
  const data = randomBytes(20 << 20);
  await writeFile(big, data);
  bigSha = createHash('sha256').update(data).digest('hex');
  custom = await makeImage(work, [
    [
      dir('grader/'), file('grader/run.sh', '#!/bin/sh\necho run\n', 0o755), file('grader/.env', 'SECRET=1\n'),
      file('grader/old', 'old'), { name: 'grader/big.bin', type: 'file', size: data.length, fromFile: big },
      { name: 'grader/bytes', type: 'file', data: ALL_BYTES }, dir('etc/'), file('etc/passwd', 'root:x:0:0::/root:/bin/sh\nauthor:x:1234:1234::/:/bin/sh\n'),
      file('etc/group', 'root:x:0:\n'),
      { name: 'grader/owned', type: 'file', data: 'o', uid: 1234, gid: 99, mode: 0o4750, mtime: new Date('2024-05-01T12:00:00Z') },
    ],
    [
      file('grader/.wh.old', ''), symlink('grader/link', 'run.sh'), symlink('grader/abs', '/grader/run.sh'),
      symlink('grader/dangling', '/nowhere'), symlink('grader/loop', 'loop'), symlink('g', 'grader'),
    ],
  ], { compression: 'gzip' });
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('gradebox ls', () => {
  it('lists the busybox image /bin: applets, one per line, sorted, nothing on stderr', async () => {
    const result = await gradebox(['ls', testImage('busybox'), '/bin']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['busybox', 'sh', 'ls', 'cat']));
    expect(lines).toEqual([...lines].sort());
    expect((await gradebox(['ls', testImage('busybox')])).stdout).toBe('bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n');
  });

  it('-l shows mode, owner names from the image, size, UTC mtime and link targets; -n numbers; --human sizes', async () => {
    const bin = await gradebox(['ls', '-l', testImage('busybox'), '/bin']);
    expect(bin.code).toBe(0);
    expect(bin.stdout).toMatch(/^lrwxrwxrwx root root +7 2024-01-01 00:00 sh -> busybox$/m);
    expect(bin.stdout).toMatch(/^-rwxr-xr-x root root +\d{6,} 2024-01-01 00:00 busybox$/m);
    expect((await gradebox(['ls', '-l', testImage('busybox'), '/home'])).stdout).toBe('drwxr-xr-x grader grader 0 2024-01-01 00:00 grader\n');
    expect((await gradebox(['ls', '-ln', testImage('busybox'), '/home'])).stdout).toBe('drwxr-xr-x 1000 1000 0 2024-01-01 00:00 grader\n');
    expect((await gradebox(['ls', '-l', testImage('busybox'), '/'])).stdout).toMatch(/^drwxrwxrwt root root 0 2024-01-01 00:00 tmp$/m);

    const grader = await gradebox(['ls', '-l', '--human', custom, 'grader']);
    expect(grader.code, grader.stderr).toBe(0);
    expect(grader.stdout).toMatch(/^-rw-r--r-- root +root +20M 2024-01-01 00:00 big\.bin$/m);
    expect(grader.stdout).toMatch(/^-rwsr-x--- author 99 +1 2024-05-01 12:00 owned$/m);
    expect(grader.stdout).toMatch(/^lrwxrwxrwx root +root +8 2024-01-01 00:00 dangling -> \/nowhere$/m);
    expect(grader.stdout).not.toMatch(/\bold$|\.env/m);
  });

  it('-a shows dotfiles; a symlinked directory is followed; a file or file link lists itself', async () => {
    expect((await gradebox(['ls', '-a', custom, '/g'])).stdout).toBe('.env\nabs\nbig.bin\nbytes\ndangling\nlink\nloop\nowned\nrun.sh\n');
    expect((await gradebox(['ls', custom, '/grader/run.sh'])).stdout).toBe('/grader/run.sh\n');
    expect((await gradebox(['ls', '-l', custom, '/g/link'])).stdout).toBe('lrwxrwxrwx root root 6 2024-01-01 00:00 /g/link -> run.sh\n');
    expect((await gradebox(['ls', custom, '/grader/dangling'])).code).toBe(0);
  });

  it('--json: the listing with every field', async () => {
    const result = await gradebox(['ls', '--json', testImage('busybox'), '/bin']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { image: string; id: string; path: string; directory: boolean; entries: Record<string, unknown>[] };
    expect(doc).toMatchObject({ image: testImage('busybox'), path: '/bin', directory: true });
    expect(doc.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.entries.find((e) => e.name === 'sh')).toEqual({
      name: 'sh', type: 'symlink', mode: 0o777, uid: 0, gid: 0, user: 'root', group: 'root', size: 7,
      mtime: '2024-01-01T00:00:00.000Z', linkTarget: 'busybox',
    });
    expect(doc.entries.find((e) => e.name === 'busybox')).toMatchObject({ type: 'file', mode: 0o755, linkTarget: null });
  });

  it('follows /bin -> usr/bin in the python image and finds python3', async () => {
    const result = await gradebox(['ls', testImage('python'), '/bin']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toContain('python3');
    // The merged index is cached per image id under the store.
    expect((await readdir(join(home, 'images', 'views'))).some((name) => /^[0-9a-f]{64}\.json$/.test(name))).toBe(true);
  });
});

describe('gradebox cat', () => {
  it('prints /etc/passwd; several files are concatenated in order', async () => {
    const one = await gradebox(['cat', testImage('busybox'), '/etc/passwd']);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(PASSWD);
    expect(one.stderr).toBe('');
    const two = await gradebox(['cat', testImage('busybox-oci-tar'), 'etc/passwd', '/etc/group', '/etc/passwd']);
    expect(two.stdout).toBe(PASSWD + GROUP + PASSWD);
    const python = await gradebox(['cat', testImage('python'), '/etc/os-release']);
    expect(python.stdout).toMatch(/^ID=debian$/m);
  });

  it('streams binary content byte for byte, through symlinks (20 MB from a gzip layer)', async () => {
    const big = await catBytes(custom, '/g/big.bin');
    expect(createHash('sha256').update(big.stdout).digest('hex')).toBe(bigSha);
    expect(big.stderr).toBe('');
    expect((await catBytes(custom, '/grader/bytes')).stdout.equals(ALL_BYTES)).toBe(true);
    expect((await catBytes(custom, '/grader/abs')).stdout.toString()).toBe('#!/bin/sh\necho run\n');
  });

  it('stops quietly when the reader goes away (| head)', async () => {
    const result = await runCli(['cat', custom, '/grader/big.bin'], {
      env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1' }),
      command: ['bash', '-c', 'set -o pipefail; "$0" "$@" | head -c 100 > /dev/null', process.execPath, GRADEBOX_BIN],
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('errors', () => {
  it('a missing path: one message naming the path and the image, exit 1', async () => {
    for (const command of ['ls', 'cat']) {
      const result = await gradebox([command, custom, '/nope']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`error: /nope: no such file or directory in ${custom}\n`);
    }
  });

  it('cat: a directory, a dangling link, a loop are each reported; the other files still print; exit 1', async () => {
    const result = await gradebox(['cat', custom, '/grader', '/grader/run.sh', '/grader/dangling', 'grader/loop', '/grader/link']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('#!/bin/sh\necho run\n'.repeat(2));
    expect(result.stderr).toBe([
      `error: /grader: is a directory in ${custom}`,
      `error: /grader/dangling: no such file or directory in ${custom} (a symbolic link to "/nowhere", which leads nowhere)`,
      `error: /grader/loop: too many levels of symbolic links in ${custom}`,
      '',
    ].join('\n'));
  });

  it('ls: a symlink loop and a path through a file are errors, exit 1', async () => {
    expect(await gradebox(['ls', custom, '/grader/loop'])).toMatchObject({ code: 1, stderr: `error: /grader/loop: too many levels of symbolic links in ${custom}\n` });
    expect(await gradebox(['ls', custom, '/grader/run.sh/x'])).toMatchObject({ code: 1, stderr: `error: /grader/run.sh/x: not a directory in ${custom}\n` });
  });

  it('an image that cannot be read: exit 1; usage errors: exit 2', async () => {
    const missing = await gradebox(['ls', join(work, 'no-such.tar'), '/']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`error: ${join(work, 'no-such.tar')}: no such file or directory\n`);
    const notImage = join(work, 'not-an-image.tar');
    await writeFile(notImage, 'garbage '.repeat(200));
    expect((await gradebox(['cat', notImage, '/etc/passwd'])).code).toBe(1);
    for (const args of [['ls'], ['cat', custom], ['ls', '--frobnicate', custom], ['ls', custom, '']]) {
      const result = await gradebox(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
    }
  });
});

describe('help and colours', () => {
  it('--help shows the options, examples and exit codes', async () => {
    const ls = await gradebox(['ls', '--help']);
    expect(ls.code).toBe(0);
    for (const option of ['-l, --long', '-a, --all', '-n, --numeric-ids', '--human', '--json']) expect(ls.stdout).toContain(option);
    expect(ls.stdout).toMatch(/Examples:\n {2}gradebox ls /);
    const cat = await gradebox(['cat', '--help']);
    expect(cat.stdout).toMatch(/Usage: gradebox cat \[options\] <image> <file\.\.\.>/);
    expect(cat.stdout).toMatch(/Exit codes: 0 /);
    expect((await gradebox(['--help'])).stdout).toMatch(/^\s+ls \[options\] <image> \[dir\]/m);
  });

  it('colours names on request only: NO_COLOR and pipes stay plain', async () => {
    const forced = await gradebox(['ls', testImage('busybox'), '/'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(ESC);
    const piped = await gradebox(['ls', '-l', testImage('busybox'), '/'], { NO_COLOR: undefined });
    expect(piped.stdout).not.toContain(ESC);
    const missing = await gradebox(['cat', testImage('busybox'), '/nope'], { NO_COLOR: undefined });
    expect(missing.stderr).not.toContain(ESC);
  });
});

describe('no container runtime needed', () => {
  const root = process.getuid?.() === 0 ? it : it.skip;

  root('works with runc and crun hidden and nothing but node on PATH', async () => {
    const bin = join(work, 'bin-node-only');
    await mkdir(bin);
    await fsSymlink(process.execPath, join(bin, 'node'));
    const blank = join(work, 'blank');
    await writeFile(blank, '', { mode: 0o644 });
    const command = hidingPrograms(['runc', 'crun'], blank, ['node', join(REPO_ROOT, 'bin', 'gradebox.js')]);
    const env = cliEnv({ GRADEBOX_HOME: join(work, 'fresh-home'), NO_COLOR: '1', PATH: bin });
    // A fresh home: the image is imported and indexed with the runtimes hidden, not just read from a cache.
    const ls = await runCli(['ls', testImage('busybox'), '/bin'], { env, command });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n')).toContain('sh');
    const cat = await runCli(['cat', testImage('busybox'), '/etc/passwd'], { env, command });
    expect(cat).toMatchObject({ code: 0, stdout: PASSWD, stderr: '' });
    // The guard works: the runtime really is gone for that command.
    const probe = await runCli(['-c', 'test -s /usr/sbin/runc && echo present || echo hidden'], {
      env, command: hidingPrograms(['runc', 'crun'], blank, ['/bin/sh']),
    });
    expect(probe.stdout).toBe('hidden\n');
    expect(readFileSync(blank, 'utf8')).toBe('');
  });
});
