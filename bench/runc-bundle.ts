import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A bare runc bundle over an existing root (runc's own default config from `runc spec`, read-only
 * root, no terminal): the cost of the runtime alone, without gradebox's scratch area and limits.
 */
export async function prepareRuncBundle(dir: string, rootfs: string, argv: string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await promisify(execFile)('runc', ['spec', '--bundle', dir]);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
    process: { terminal: boolean; args: string[] };
    root: { path: string; readonly: boolean };
  };
  config.process.terminal = false;
  config.process.args = argv;
  config.root = { path: rootfs, readonly: true };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
