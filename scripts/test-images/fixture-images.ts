import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerConfig } from './image-writer.ts';
import { addDirectory } from './dir-layer.ts';
import { LayerWriter, type LayerCompression, type WrittenLayer } from './layer-writer.ts';

/** The base root layers a fixture can stand on: busybox, or a debootstrap'd Debian root. */
export const BASE_NAMES = ['busybox', 'python', 'java', 'r', 'codio'] as const;
export type BaseName = (typeof BASE_NAMES)[number];

/** PATH of each base: busybox's applets live in /bin; the Debian roots get Debian's usual root PATH. */
export const BASE_PATH: Record<BaseName, string> = {
  busybox: 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
  python: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  java: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  r: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  codio: 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

/** A grader fixture folder's `image.json`, read and checked. */
export interface FixtureImage {
  name: string;
  base: BaseName;
  config: ContainerConfig;
  /** Host folder copied to the image root. */
  filesDir: string;
  /** `chmodRecursive` of image.json: path in the image (no leading /) → mode for it and all below. */
  modes: Record<string, number>;
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
  const base = doc.base as BaseName;
  if (!BASE_NAMES.includes(base)) fail(`"base" must be one of ${BASE_NAMES.map((b) => `"${b}"`).join(', ')}`);
  const filesDir = path.join(path.dirname(file), text('files', 'files'));
  if (!(await stat(filesDir).then((s) => s.isDirectory(), () => false))) fail(`no folder ${filesDir} to copy into the image`);
  const labels = doc.labels as Record<string, string> | undefined;
  const modes = parseModes(doc.chmodRecursive, fail);
  const config: ContainerConfig = {
    Entrypoint: strings('entrypoint'),
    Cmd: strings('cmd'),
    Env: [BASE_PATH[base], ...(strings('env') ?? [])],
    WorkingDir: text('workingDir', ''),
    User: text('user', ''),
    ...(labels ? { Labels: labels } : {}),
  };
  return { name, base, config, filesDir, modes, source };
}

/** `{"grader": "0777"}`: what a Dockerfile's `RUN chmod -R 0777 /grader` leaves. */
function parseModes(value: unknown, fail: (why: string) => never): Record<string, number> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('"chmodRecursive" must be an object of path → octal mode');
  const modes: Record<string, number> = {};
  for (const [where, mode] of Object.entries(value as Record<string, unknown>)) {
    if (typeof mode !== 'string' || !/^0?[0-7]{3,4}$/.test(mode)) fail(`"chmodRecursive" mode of ${where} must be an octal string such as "0777"`);
    const rel = where.replace(/^\/+|\/+$/g, '');
    if (rel === '' || rel.split('/').includes('..')) fail(`"chmodRecursive" path ${where} must name a folder inside the image`);
    modes[rel] = Number.parseInt(mode, 8);
  }
  return modes;
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

/** The fixture's own layer: its files folder at the image root, owned by root, modes kept unless `chmodRecursive` sets them. */
export async function writeFilesLayer(fixture: FixtureImage, file: string, compression: LayerCompression): Promise<WrittenLayer> {
  const layer = new LayerWriter(file, compression);
  await addDirectory(layer, fixture.filesDir, { rootOwned: true, modes: fixture.modes });
  return layer.finish();
}
