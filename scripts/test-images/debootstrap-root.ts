import { spawn } from 'node:child_process';
import { appendFile, chown, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { addDirectory } from './dir-layer.ts';
import { LayerWriter, type WrittenLayer } from './layer-writer.ts';

/** What a debootstrap'd base root is made of; its JSON is the base's recipe (change it and the base is rebuilt). */
export interface DebootstrapRecipe {
  version: number;
  suite: string;
  variant: string;
  /** Debian packages added to the variant's set (`--include`), with their dependencies. */
  packages: string[];
  mirror: string;
  /** Relative paths emptied after the install (left as empty directories): nothing a grader reads. */
  trim: string[];
}

/** Trimmed from every Debian root: docs, man pages, locales and package caches. */
export const DEBIAN_TRIM = [
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
];

/**
 * A Debian root as one uncompressed layer: `debootstrap --variant=… --include=…` from the recipe's
 * mirror into `<workDir>/<name>-root` (log in `<workDir>/<name>-debootstrap.log`), the recipe's
 * paths emptied, and the same `grader` user (uid/gid 1000) as busybox. The tree is removed once
 * the layer is written.
 */
export async function writeDebootstrapLayer(name: string, recipe: DebootstrapRecipe, file: string, workDir: string): Promise<WrittenLayer> {
  const root = path.join(workDir, `${name}-root`);
  const log = path.join(workDir, `${name}-debootstrap.log`);
  await unmountUnder(root);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  try {
    const include = recipe.packages.length > 0 ? [`--include=${recipe.packages.join(',')}`] : [];
    await run('debootstrap', [`--variant=${recipe.variant}`, ...include, recipe.suite, root, recipe.mirror], log);
    for (const rel of recipe.trim) {
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
