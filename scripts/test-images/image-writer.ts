import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { digestHex, digestOf } from '../../src/image/digest.ts';
import { FIXED_MTIME, LayerWriter, type WrittenLayer } from './layer-writer.ts';

/** The runtime part of an image config, with Docker's field names. */
export interface ContainerConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  /** `name:tag`, recorded as RepoTags (docker archive) or ref.name annotation (OCI). */
  tag: string;
  config: ContainerConfig;
  /** Bottom up. */
  layers: WrittenLayer[];
}

const OCI_LAYER = { none: 'application/vnd.oci.image.layer.v1.tar', gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** The image config blob; the same spec always gives the same bytes, hence the same image id. */
export function configBlob(spec: ImageSpec, architecture = 'amd64'): Buffer {
  const config = {
    architecture,
    os: 'linux',
    created: FIXED_MTIME.toISOString(),
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map(() => ({ created: FIXED_MTIME.toISOString(), created_by: 'gradebox build-test-images' })),
  };
  return Buffer.from(JSON.stringify(config));
}

/** Where archive files go: a tar being written, or a directory. */
interface ArchiveOut {
  add(name: string, data: Buffer): Promise<void>;
  addFile(name: string, file: string, size: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes a `docker save` tarball. `legacy` is the pre-25 layout (`<hex>.json` config, `<id>/layer.tar`
 * with VERSION and json, `repositories`); `blobs` is Docker 25+'s `blobs/sha256/<hex>` for all blobs
 * (without its oci-layout/index.json, so it reads as a docker archive). Returns the image id.
 */
export async function writeDockerArchive(out: string, spec: ImageSpec, layout: 'legacy' | 'blobs'): Promise<string> {
  const config = configBlob(spec);
  const id = digestOf(config);
  const tar = await tarOut(out);
  const names: string[] = [];
  let parent = '';
  for (const layer of spec.layers) {
    if (layout === 'blobs') {
      const name = `blobs/sha256/${digestHex(layer.digest)}`;
      await tar.addFile(name, layer.file, layer.size);
      names.push(name);
      continue;
    }
    const layerId = digestHex(digestOf(Buffer.from(`${parent}\n${layer.diffId}`)));
    await tar.add(`${layerId}/VERSION`, Buffer.from('1.0'));
    await tar.add(`${layerId}/json`, Buffer.from(JSON.stringify({ id: layerId, ...(parent ? { parent } : {}) })));
    await tar.addFile(`${layerId}/layer.tar`, layer.file, layer.size);
    names.push(`${layerId}/layer.tar`);
    parent = layerId;
  }
  const configName = layout === 'blobs' ? `blobs/sha256/${digestHex(id)}` : `${digestHex(id)}.json`;
  await tar.add(configName, config);
  await tar.add('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [spec.tag], Layers: names }])));
  if (layout === 'legacy') {
    const [repo, tag = 'latest'] = spec.tag.split(':');
    await tar.add('repositories', Buffer.from(JSON.stringify({ [repo ?? spec.tag]: { [tag]: parent } })));
  }
  await tar.close();
  return id;
}

/**
 * Writes an OCI image layout (a directory or a tar). With `nested`, index.json points to a nested
 * index listing an arm64 decoy before the real amd64 manifest, so readers must pick by platform.
 */
export async function writeOciLayout(out: string, spec: ImageSpec, form: 'dir' | 'tar', nested = false): Promise<string> {
  const config = configBlob(spec);
  const id = digestOf(config);
  const target = form === 'tar' ? await tarOut(out) : await dirOut(out);
  const blob = async (data: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = digestOf(data);
    await target.add(`blobs/sha256/${digestHex(digest)}`, data);
    return { digest, size: data.length };
  };
  await target.add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  for (const layer of spec.layers) await target.addFile(`blobs/sha256/${digestHex(layer.digest)}`, layer.file, layer.size);
  const manifest = async (configData: Buffer): Promise<{ digest: string; size: number }> =>
    blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, ...(await blob(configData)) },
          layers: spec.layers.map((l) => ({ mediaType: OCI_LAYER[l.compression], digest: l.digest, size: l.size })),
        }),
      ),
    );
  const ref = { annotations: { 'org.opencontainers.image.ref.name': spec.tag } };
  let top = { mediaType: OCI_MANIFEST, ...(await manifest(config)), ...ref };
  if (nested) {
    const decoy = await manifest(configBlob(spec, 'arm64'));
    const real = { ...top, platform: { os: 'linux', architecture: 'amd64' } };
    const inner = await blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI_MANIFEST, ...decoy, platform: { os: 'linux', architecture: 'arm64' } }, real],
        }),
      ),
    );
    top = { mediaType: OCI_INDEX, ...inner, ...ref };
  }
  await target.add('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [top] })));
  await target.close();
  return id;
}

/** A tar written to a temporary name and renamed into place when complete. */
async function tarOut(out: string): Promise<ArchiveOut> {
  const tmp = `${out}.partial`;
  const writer = new LayerWriter(tmp);
  const dirs = new Set<string>();
  const parents = async (name: string): Promise<void> => {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      await writer.add({ name: `${dir}/`, type: 'directory', mode: 0o755 });
    }
  };
  return {
    add: async (name, data) => {
      await parents(name);
      await writer.add({ name, mode: 0o644, data });
    },
    addFile: async (name, file, size) => {
      await parents(name);
      await writer.add({ name, mode: 0o644, size, fromFile: file });
    },
    close: async () => {
      await writer.finish();
      await rename(tmp, out);
    },
  };
}

/** A directory built under a temporary name and renamed into place when complete. */
async function dirOut(out: string): Promise<ArchiveOut> {
  const tmp = `${out}.partial`;
  await rm(tmp, { recursive: true, force: true });
  const place = async (name: string): Promise<string> => {
    const file = path.join(tmp, name);
    await mkdir(path.dirname(file), { recursive: true });
    return file;
  };
  return {
    add: async (name, data) => writeFile(await place(name), data),
    addFile: async (name, file) => copyFile(file, await place(name)),
    close: async () => {
      await rm(out, { recursive: true, force: true });
      await rename(tmp, out);
    },
  };
}
