import { spawn } from 'node:child_process';
import { appendFile, mkdir, open, readFile, rm, chown } from 'node:fs/promises';
import path from 'node:path';
import { addDirectory } from './dir-layer.ts';
import { LayerWriter, type WrittenLayer } from './layer-writer.ts';

const RECIPE = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  packages: ['python3'],
  mirror: 'http://deb.debian.org/debian',
  // Left out to keep the image small: nothing a grader reads.
  trim: [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/info',
    'usr/share/locale',
    'usr/share/lintian',
    'usr/share/common-licenses',
    'var/cache/apt',
    'var/cache/debconf',
    'var/lib/apt/lists',
    'var/log',
  ],
};

/** Inputs of the python root: change any and the image is rebuilt. */
export function pythonRecipe(): string {
  return JSON.stringify(RECIPE);
}

/**
 * The python root as one uncompressed layer: `debootstrap --variant=minbase --include=python3`
 * from Debian's mirror (a minute or two), trimmed of docs, man pages and locales, with the same
 * `grader` user (uid/gid 1000) as busybox. The debootstrap tree is removed once the layer is written.
 */
export async function writePythonLayer(file: string, workDir: string): Promise<WrittenLayer> {
  const root = path.join(workDir, 'python-root');
  const log = path.join(workDir, 'python-debootstrap.log');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  try {
    const args = [`--variant=${RECIPE.variant}`, `--include=${RECIPE.packages.join(',')}`, RECIPE.suite, root, RECIPE.mirror];
    await run('debootstrap', args, log);
    for (const rel of RECIPE.trim) {
      await rm(path.join(root, rel), { recursive: true, force: true });
      await mkdir(path.join(root, rel), { recursive: true });
    }
    await appendFile(path.join(root, 'etc/passwd'), 'grader:x:1000:1000:grader:/home/grader:/bin/sh\n');
    await appendFile(path.join(root, 'etc/group'), 'grader:x:1000:\n');
    await appendFile(path.join(root, 'etc/shadow'), 'grader:*:19000:0:99999:7:::\n');
    await mkdir(path.join(root, 'home/grader'), { recursive: true, mode: 0o755 });
    await chown(path.join(root, 'home/grader'), 1000, 1000);
    const layer = new LayerWriter(file);
    await addDirectory(layer, root, { emptyDirs: ['dev', 'proc', 'sys', 'run', 'tmp'] });
    return await layer.finish();
  } finally {
    await unmountUnder(root);
    await rm(root, { recursive: true, force: true });
  }
}

/** debootstrap mounts /proc and /sys in its target; one killed midway may leave them, and rm must never descend there. */
async function unmountUnder(root: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '');
  const inside = mounts.filter((m) => m === root || m.startsWith(`${root}/`)).sort().reverse();
  for (const mount of inside) await run('umount', ['-l', mount], '/dev/null').catch(() => undefined);
}

async function run(command: string, args: string[], logFile: string): Promise<void> {
  const log = await open(logFile, 'w');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', log.fd, log.fd] });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-15).join('\n');
      throw new Error(`${command} ${args.join(' ')} exited with ${code}; last lines of ${logFile}:\n${tail}`);
    }
  } finally {
    await log.close();
  }
}
