import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerConfig } from './image-writer.ts';
import { addDirectory } from './dir-layer.ts';
import { LayerWriter, type LayerCompression, type WrittenLayer } from './layer-writer.ts';

export type BaseName = 'busybox' | 'python';

/** A grader fixture folder's `image.json`, read and checked. */
export interface FixtureImage {
  name: string;
  base: BaseName;
  config: ContainerConfig;
  /** Host folder copied to the image root. */
  filesDir: string;
  /** image.json's own text, part of the recipe. */
  source: string;
}

/** Every `<root>/<name>/image.json`, sorted by name. A malformed one is an error that names it. */
export async function findFixtureImages(root: string): Promise<FixtureImage[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const found: FixtureImage[] = [];
  for (const name of names.sort()) {
    const file = path.join(root, name, 'image.json');
    const source = await readFile(file, 'utf8').catch(() => undefined);
    if (source !== undefined) found.push(await parseFixture(name, file, source));
  }
  return found;
}

async function parseFixture(name: string, file: string, source: string): Promise<FixtureImage> {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) fail('the folder name must be a lowercase image name');
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(source) as Record<string, unknown>;
  } catch {
    fail('not valid JSON');
  }
  const strings = (key: string): string[] | undefined => {
    const value = doc[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail(`"${key}" must be a list of strings`);
    return value;
  };
  const text = (key: string, fallback: string): string => {
    const value = doc[key] ?? fallback;
    return typeof value === 'string' ? value : fail(`"${key}" must be a string`);
  };
  const base = doc.base;
  if (base !== 'busybox' && base !== 'python') return fail('"base" must be "busybox" or "python"');
  const filesDir = path.join(path.dirname(file), text('files', 'files'));
  if (!(await stat(filesDir).then((s) => s.isDirectory(), () => false))) fail(`no folder ${filesDir} to copy into the image`);
  const labels = doc.labels as Record<string, string> | undefined;
  const config: ContainerConfig = {
    Entrypoint: strings('entrypoint'),
    Cmd: strings('cmd'),
    Env: [
      base === 'python'
        ? 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        : 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      ...(strings('env') ?? []),
    ],
    WorkingDir: text('workingDir', ''),
    User: text('user', ''),
    ...(labels ? { Labels: labels } : {}),
  };
  return { name, base, config, filesDir, source };
}

/** A digest of the files tree: names, types, modes, contents and link targets. */
export async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, child);
      const st = await lstat(abs);
      hash.update(`${child}\0${st.mode}\0`);
      if (st.isDirectory()) await walk(child);
      else if (st.isSymbolicLink()) hash.update(await readlink(abs));
      else if (st.isFile()) hash.update(await readFile(abs));
      hash.update('\0');
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** The fixture's own layer: its files folder at the image root, owned by root, modes kept. */
export async function writeFilesLayer(fixture: FixtureImage, file: string, compression: LayerCompression): Promise<WrittenLayer> {
  const layer = new LayerWriter(file, compression);
  await addDirectory(layer, fixture.filesDir, { rootOwned: true });
  return layer.finish();
}
