// Builds the images the tests run: busybox, python (debootstrap) and one per grader fixture folder
// (on busybox, or on the python, java or r debootstrap roots), as `docker save` tarballs (plus OCI
// layouts of busybox) under ~/.cache/gradebox/test-images/. Only debootstrap goes online.
// Each output is rebuilt only when the hash of its recipe changes. Run: npx node scripts/build-test-images.ts [name...]
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic-file.ts';
import { withFileLock } from '../src/image/file-lock.ts';
import { busyboxRecipe, writeBusyboxLayer } from './test-images/base-busybox.ts';
import { codioRecipe, writeCodioLayer } from './test-images/base-codio.ts';
import { javaRecipe, writeJavaLayer } from './test-images/base-java.ts';
import { pythonRecipe, writePythonLayer } from './test-images/base-python.ts';
import { rRecipe, writeRLayer } from './test-images/base-r.ts';
import { BASE_NAMES, findFixtureImages, treeDigest, writeFilesLayer, type BaseName } from './test-images/fixture-images.ts';
import { writeDockerArchive, writeOciLayout, type ContainerConfig } from './test-images/image-writer.ts';
import { recompress, type WrittenLayer } from './test-images/layer-writer.ts';

const BUILDER_VERSION = 1;
const HERE = path.dirname(fileURLToPath(import.meta.url));
/**
 * Where the images go: outside the work tree ($GRADEBOX_TEST_IMAGES, else
 * ~/.cache/gradebox/test-images) so fresh clones (CI) reuse the slow debootstrap build.
 */
export const TEST_IMAGES_DIR = path.resolve(
  process.env.GRADEBOX_TEST_IMAGES ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'gradebox', 'test-images'),
);
/** Grader fixture folders; each with an image.json becomes an image. */
export const FIXTURE_GRADERS_DIR = path.resolve(HERE, '../test/fixtures/graders');

/** Config of the base images written on their own (busybox and python; java and r only carry fixtures). */
const BASE_CONFIG: Record<'busybox' | 'python', ContainerConfig> = {
  busybox: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'], Cmd: ['sh'] },
  python: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'], Cmd: ['python3'] },
};

/**
 * How each base root layer is made. The debootstrap'd ones download from Debian's mirror the first
 * time: python a minute or two, java and r a few minutes each.
 */
const BASES: Record<BaseName, { recipe: () => string | Promise<string>; write: (file: string) => Promise<WrittenLayer>; slow?: string }> = {
  busybox: { recipe: busyboxRecipe, write: (file) => writeBusyboxLayer(file) },
  python: { recipe: pythonRecipe, write: (file) => writePythonLayer(file, TEST_IMAGES_DIR), slow: 'debootstrap: a minute or two' },
  java: { recipe: javaRecipe, write: (file) => writeJavaLayer(file, TEST_IMAGES_DIR), slow: 'debootstrap of OpenJDK 17 and JUnit 4: a few minutes' },
  r: { recipe: rRecipe, write: (file) => writeRLayer(file, TEST_IMAGES_DIR), slow: 'debootstrap of R: a few minutes' },
  codio: { recipe: codioRecipe, write: (file) => writeCodioLayer(file, TEST_IMAGES_DIR), slow: 'debootstrap of python3 and curl: a minute or two' },
};

export interface BuildOptions {
  /** Build only these images (and the bases they stand on): busybox, python or fixture names. Default: all. */
  only?: string[];
  log?: (line: string) => void;
}

/**
 * Builds (or reuses) every test image and returns name → path: `busybox`, `python` and each fixture
 * name map to a `docker save` tarball; `busybox-oci-dir` and `busybox-oci-tar` to OCI layouts.
 * Layers: busybox.tar plain (legacy layout), busybox-oci-dir gzip, busybox-oci-tar zstd behind a
 * nested multi-platform index, python.tar plain (Docker 25+ layout), fixtures add a gzip layer.
 */
export async function buildTestImages(opts: BuildOptions = {}): Promise<Record<string, string>> {
  await mkdir(path.join(TEST_IMAGES_DIR, 'layers'), { recursive: true });
  return withFileLock(path.join(TEST_IMAGES_DIR, '.build.lock'), () => new Builder(opts).run());
}

class Builder {
  readonly #log: (line: string) => void;
  readonly #only: Set<string> | undefined;
  readonly #recipesFile = path.join(TEST_IMAGES_DIR, 'recipes.json');
  #recipes: Record<string, string> = {};
  readonly #bases = new Map<BaseName, Promise<{ layer: WrittenLayer; recipe: string }>>();

  constructor(opts: BuildOptions) {
    this.#log = opts.log ?? (() => undefined);
    this.#only = opts.only ? new Set(opts.only) : undefined;
  }

  async run(): Promise<Record<string, string>> {
    this.#recipes = JSON.parse(await readFile(this.#recipesFile, 'utf8').catch(() => '{}')) as Record<string, string>;
    const built: Record<string, string> = {};
    const wanted = (name: string): boolean => this.#only === undefined || this.#only.has(name);
    const fixtures = (await findFixtureImages(FIXTURE_GRADERS_DIR)).filter((f) => wanted(f.name));
    for (const f of fixtures) if ((BASE_NAMES as readonly string[]).includes(f.name)) throw new Error(`fixture folder ${f.name} clashes with a base image name`);

    if (wanted('busybox')) {
      const { layer, recipe } = await this.#base('busybox');
      const spec = { tag: 'gradebox-test/busybox:latest', config: BASE_CONFIG.busybox, layers: [layer] };
      built.busybox = await this.#output('busybox.tar', recipe, (out) => writeDockerArchive(out, spec, 'legacy'));
      built['busybox-oci-dir'] = await this.#output('busybox-oci', recipe, async (out) => {
        const gz = await recompress(layer, path.join(TEST_IMAGES_DIR, 'layers', 'busybox.tar.gz'), 'gzip');
        return writeOciLayout(out, { ...spec, layers: [gz] }, 'dir');
      });
      built['busybox-oci-tar'] = await this.#output('busybox-oci.tar', recipe, async (out) => {
        const zst = await recompress(layer, path.join(TEST_IMAGES_DIR, 'layers', 'busybox.tar.zst'), 'zstd');
        return writeOciLayout(out, { ...spec, layers: [zst] }, 'tar', true);
      });
    }
    if (wanted('python')) {
      const { layer, recipe } = await this.#base('python');
      const spec = { tag: 'gradebox-test/python:latest', config: BASE_CONFIG.python, layers: [layer] };
      built.python = await this.#output('python.tar', recipe, (out) => writeDockerArchive(out, spec, 'blobs'));
    }
    for (const fixture of fixtures) {
      const base = await this.#base(fixture.base);
      const files = await treeDigest(fixture.filesDir);
      const recipe = JSON.stringify({ BUILDER_VERSION, base: base.recipe, image: fixture.source, files });
      built[fixture.name] = await this.#output(`${fixture.name}.tar`, recipe, async (out) => {
        const layerFile = path.join(TEST_IMAGES_DIR, 'layers', `fixture-${fixture.name}.tar.gz`);
        const files = await writeFilesLayer(fixture, layerFile, 'gzip');
        const spec = { tag: `gradebox-test/${fixture.name}:latest`, config: fixture.config, layers: [base.layer, files] };
        return writeDockerArchive(out, spec, 'blobs');
      });
    }
    return built;
  }

  /** A base root layer, rebuilt when its recipe changed; its metadata is kept beside it so reuse costs no hashing. */
  async #base(name: BaseName): Promise<{ layer: WrittenLayer; recipe: string }> {
    let pending = this.#bases.get(name);
    if (!pending) {
      pending = (async () => {
        const base = BASES[name];
        const recipe = hash(BUILDER_VERSION, await base.recipe());
        const file = path.join(TEST_IMAGES_DIR, 'layers', `${name}.tar`);
        const metaFile = `${file}.json`;
        const meta = await readFile(metaFile, 'utf8').then((t) => JSON.parse(t) as WrittenLayer & { recipe: string }, () => undefined);
        // The saved path may be stale (the cache folder moved): the layer is always the file beside it.
        if (meta?.recipe === recipe && (await exists(file))) return { layer: { ...meta, file }, recipe };
        const started = Date.now();
        this.#log(`building the ${name} root layer${base.slow ? ` (${base.slow})` : ''}`);
        const layer = await base.write(file);
        await writeFileAtomic(metaFile, JSON.stringify({ ...layer, recipe }));
        this.#log(`built the ${name} root layer: ${mib(layer.size)} in ${seconds(started)}`);
        return { layer, recipe };
      })();
      this.#bases.set(name, pending);
    }
    return pending;
  }

  /** Writes `name` unless it exists with the same recipe; returns its path. */
  async #output(name: string, recipe: string, write: (out: string) => Promise<string>): Promise<string> {
    const out = path.join(TEST_IMAGES_DIR, name);
    const key = hash(BUILDER_VERSION, name, recipe);
    if (this.#recipes[name] === key && (await exists(out))) {
      this.#log(`reused ${name}`);
      return out;
    }
    const started = Date.now();
    const id = await write(out);
    this.#recipes[name] = key;
    await writeFileAtomic(this.#recipesFile, `${JSON.stringify(this.#recipes, null, 2)}\n`);
    this.#log(`built ${name} (${id.slice(0, 19)}) in ${seconds(started)}`);
    return out;
  }
}

function hash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  const built = await buildTestImages({ only: only.length ? only : undefined, log: (line) => console.log(line) });
  for (const [name, file] of Object.entries(built)) console.log(`${name}\t${file}`);
}
