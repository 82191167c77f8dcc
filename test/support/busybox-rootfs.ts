import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, lchown, lstat, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostId, sandboxIdRange } from '../../src/sandbox/id-range.ts';

/** test/.cache, git-ignored; shared by every test file and run. */
export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');
const BUSYBOX = '/bin/busybox';

/**
 * Gives every entry below `root` (and `root` itself) the owner the image store would: the image's
 * id (0, or `owners[path]`) shifted into the sandbox id range.
 */
async function shiftOwners(root: string, owners: Record<string, number>): Promise<void> {
  const range = sandboxIdRange();
  const walk = async (path: string): Promise<void> => {
    const id = hostId(range, owners[path] ?? 0);
    await lchown(path, id, id);
    if ((await lstat(path)).isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(root);
}

/**
 * A tiny image root filesystem for sandbox tests: a static busybox with one symlink per applet
 * in /bin, /etc/passwd and /etc/group with a `grader` user (uid/gid 1000) whose home
 * /home/grader (with a .profile) it owns, a root-only /etc/shadow, and /tmp 1777, owners shifted
 * into the sandbox id range as the image store unpacks them. Built
 * once into test/.cache and reused; built in a temporary directory and renamed into place so
 * parallel test files never see half of it.
 */
export async function busyboxRootfs(): Promise<string> {
  // Keyed by the binary and this file, so a new busybox or a changed layout builds afresh.
  const key = createHash('sha256').update(readFileSync(BUSYBOX)).update(readFileSync(fileURLToPath(import.meta.url))).digest('hex');
  const { base } = sandboxIdRange();
  const rootfs = join(CACHE_DIR, `busybox-rootfs-${key.slice(0, 12)}-${base}`);
  if (existsSync(join(rootfs, 'etc', 'passwd'))) return rootfs;

  const building = `${rootfs}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  for (const dir of ['bin', 'etc', 'root', 'home/grader']) await mkdir(join(building, dir), { recursive: true });
  await mkdir(join(building, 'tmp'));
  await chmod(join(building, 'tmp'), 0o1777);
  await copyFile(BUSYBOX, join(building, 'bin', 'busybox'));
  await chmod(join(building, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list']).toString().split('\n').filter((name) => name && name !== 'busybox');
  for (const applet of applets) await symlink('busybox', join(building, 'bin', applet));
  await writeFile(join(building, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\ngrader:x:1000:1000:grader:/home/grader:/bin/sh\n');
  await writeFile(join(building, 'etc', 'group'), 'root:x:0:\ngrader:x:1000:\n');
  await writeFile(join(building, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  await writeFile(join(building, 'home', 'grader', '.profile'), 'export PS1=grader$\n');
  await shiftOwners(building, { [join(building, 'home', 'grader')]: 1000, [join(building, 'home', 'grader', '.profile')]: 1000 });
  await mkdir(dirname(rootfs), { recursive: true });
  try {
    await rename(building, rootfs);
  } catch {
    // Another worker won the race; its copy is identical.
    await rm(building, { recursive: true, force: true });
  }
  return rootfs;
}
