import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { digestOf } from '../../src/image/digest.ts';
import { LayerWriter, type WrittenLayer } from './layer-writer.ts';

const BUSYBOX = '/bin/busybox';
const RECIPE_VERSION = 1;

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ngrader:x:1000:1000:grader:/home/grader:/bin/sh\n';
export const GROUP = 'root:x:0:\ngrader:x:1000:\n';

/** Inputs of the busybox root: if none changed, the layer is the same. */
export async function busyboxRecipe(): Promise<string> {
  const binary = await readFile(BUSYBOX).catch(() => {
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (apt-get install busybox-static)`);
  });
  return JSON.stringify({ RECIPE_VERSION, busybox: digestOf(binary), applets: await applets(), PASSWD, GROUP });
}

/**
 * The busybox root as one uncompressed layer: Debian's static busybox with every applet
 * symlinked in /bin, root and a `grader` user (uid/gid 1000), /tmp (1777), /home/grader, and the
 * empty mount points a runtime needs on a read-only root.
 */
export async function writeBusyboxLayer(file: string): Promise<WrittenLayer> {
  const layer = new LayerWriter(file);
  const dir = (name: string, mode = 0o755, owner = 0): Promise<void> =>
    layer.add({ name: `${name}/`, type: 'directory', mode, uid: owner, gid: owner });
  for (const name of ['bin', 'dev', 'etc', 'home']) await dir(name);
  await dir('home/grader', 0o755, 1000);
  await dir('proc', 0o555);
  await dir('root', 0o700);
  await dir('sys', 0o555);
  await dir('tmp', 0o1777);
  for (const name of ['usr', 'usr/bin', 'var']) await dir(name);
  await layer.add({ name: 'bin/busybox', mode: 0o755, size: (await stat(BUSYBOX)).size, fromFile: BUSYBOX });
  for (const applet of await applets()) {
    if (applet !== 'busybox') await layer.add({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mode: 0o777 });
  }
  // Scripts say `#!/usr/bin/env ...`.
  await layer.add({ name: 'usr/bin/env', type: 'symlink', linkname: '../../bin/busybox', mode: 0o777 });
  await layer.add({ name: 'etc/passwd', mode: 0o644, data: PASSWD });
  await layer.add({ name: 'etc/group', mode: 0o644, data: GROUP });
  return layer.finish();
}

async function applets(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(BUSYBOX, ['--list']);
  return stdout.split('\n').filter((name) => /^[\w.[-]+$/.test(name)).sort();
}
