/**
 * scripts/install-command.sh (run by scripts/setup.sh): the `gradebox` wrapper it puts on PATH runs
 * the pinned Node 24 whatever `node` PATH has, it is idempotent, leaves a `gradebox` it did not write
 * alone, and quotes a checkout path holding quotes, spaces and `$`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, REPO_ROOT } from '../support/run-cli.ts';

const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'scripts', 'install-command.sh');
const asRoot = process.getuid?.() === 0 ? it : it.skip;
/** Root can run the script as nobody (setpriv, util-linux) to see the non-root path. */
const asNobody = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') ? it : it.skip;
const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** A PATH with the system's tools only: no node_modules/.bin, so `node` there is the system's, if any. */
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

let work: string;
beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-install-command-'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const install = (script: string, dir: string): Promise<{ stdout: string; stderr: string }> => run('bash', [script, dir]);

describe('install-command.sh', () => {
  asRoot('writes DIR/gradebox, which runs this checkout on the pinned Node, once', async () => {
    const dir = join(work, 'bin-a');
    const first = await install(SCRIPT, dir);
    expect(first.stderr).toBe(`gradebox setup: gradebox is on PATH: ${dir}/gradebox runs ${REPO_ROOT}/bin/gradebox.js on the pinned Node 24\n`);
    const wrapper = join(dir, 'gradebox');
    expect((await stat(wrapper)).mode & 0o777).toBe(0o755);
    const { stdout } = await run(wrapper, ['--version'], { env: { PATH: SYSTEM_PATH } });
    expect(stdout).toBe(`${version}\n`);
    const before = await stat(wrapper);
    expect((await install(SCRIPT, dir)).stderr).toBe('');
    expect((await stat(wrapper)).mtimeMs).toBe(before.mtimeMs);
  });

  asRoot('leaves a gradebox it did not write alone, and rewrites one of its own for another checkout', async () => {
    const dir = join(work, 'bin-b');
    await mkdir(dir);
    await writeFile(join(dir, 'gradebox'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    expect((await install(SCRIPT, dir)).stderr).toMatch(/exists and was not written by this script: left alone/);
    expect(await readFile(join(dir, 'gradebox'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
    await rm(join(dir, 'gradebox'));
    await symlink('/nonexistent/gradebox.js', join(dir, 'gradebox'));
    expect((await install(SCRIPT, dir)).stderr).toMatch(/left alone/);

    const own = join(work, 'bin-c');
    await install(SCRIPT, own);
    const text = await readFile(join(own, 'gradebox'), 'utf8');
    await writeFile(join(own, 'gradebox'), text.replaceAll(REPO_ROOT, '/old/checkout'));
    expect((await install(SCRIPT, own)).stderr).toMatch(/gradebox is on PATH/);
    expect(await readFile(join(own, 'gradebox'), 'utf8')).toBe(text);
  });

  asRoot('quotes a checkout path with a quote, spaces and $', async () => {
    const checkout = join(work, `it's a $HOME "checkout"`);
    await mkdir(join(checkout, 'scripts'), { recursive: true });
    await cp(SCRIPT, join(checkout, 'scripts', 'install-command.sh'));
    for (const name of ['bin', 'node_modules', 'dist', 'package.json']) await symlink(join(REPO_ROOT, name), join(checkout, name));
    const dir = join(work, 'bin-d');
    await install(join(checkout, 'scripts', 'install-command.sh'), dir);
    const { stdout } = await run(join(dir, 'gradebox'), ['--version'], { env: { PATH: SYSTEM_PATH } });
    expect(stdout).toBe(`${version}\n`);
  });

  asNobody('not as root: nothing written, one line saying so', async () => {
    const dir = join(work, 'bin-e');
    const { stderr } = await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', SCRIPT, dir]);
    expect(stderr).toMatch(/^gradebox setup: not root, so gradebox is not put on PATH: run .*\/bin\/gradebox\.js, or scripts\/install-command\.sh as root\n$/);
    expect(existsSync(dir)).toBe(false);
  });
});
