import path from 'node:path';
import { stat } from 'node:fs/promises';
import { digestHex, isDigest } from '../digest.ts';
import { ImageError, type LayerRecord } from '../image.ts';
import type { FetchedImage, ImageSource, SourceContext } from '../image-source.ts';
import { directoryArchive, readTarArchive, type ArchiveFiles } from './archive-files.ts';
import { fileFingerprint } from '../input-fingerprint.ts';
import { openTarFile } from './tar-file.ts';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** Only the host's platform can run here; Node's names differ from OCI's for a few. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
const PLATFORM = { os: 'linux', architecture: ARCH[process.arch] ?? process.arch };

/** An OCI image layout, as a directory or as a tar (plain or compressed). */
export function ociLayoutSource(ref: string, form: 'dir' | 'tar'): ImageSource {
  return {
    kind: 'oci-layout',
    ref,
    // A directory changes by its index.json being rewritten; a tar like any file.
    fingerprint: () => fileFingerprint(`oci-${form}`, form === 'dir' ? path.join(ref, 'index.json') : ref),
    fetch: async (ctx) => {
      if (form === 'dir') return readOciLayout(directoryArchive(ref, ctx), ctx);
      const { size } = await stat(ref);
      return readOciLayout(await readTarArchive(await openTarFile(ref), ref, ctx, size), ctx);
    },
  };
}

/**
 * Reads an OCI layout: index.json → (nested indexes →) the manifest for linux on this host's
 * architecture → config and layers, each stored with its digest and size checked.
 */
export async function readOciLayout(files: ArchiveFiles, ctx: SourceContext): Promise<FetchedImage> {
  const layout = (await files.readJson('oci-layout')) as { imageLayoutVersion?: unknown } | null;
  if (typeof layout?.imageLayoutVersion !== 'string') {
    throw new ImageError(`${files.what}: oci-layout has no imageLayoutVersion`);
  }
  let doc = await files.readJson('index.json');
  for (let depth = 0; ; depth++) {
    if (depth > 4) throw new ImageError(`${files.what}: image indexes nested too deeply`);
    const chosen = pickManifest(files.what, doc);
    const raw = await readBlobJson(files, ctx, chosen);
    const isIndex = INDEX_TYPES.has(chosen.mediaType ?? '') || Array.isArray((raw as { manifests?: unknown }).manifests);
    if (!isIndex) return readManifest(files, raw);
    doc = raw;
  }
}

async function readManifest(files: ArchiveFiles, raw: unknown): Promise<FetchedImage> {
  const manifest = raw as { config?: unknown; layers?: unknown };
  const config = descriptor(files.what, manifest.config, 'manifest config');
  if (!Array.isArray(manifest.layers)) throw new ImageError(`${files.what}: the image manifest has no layers`);
  await storeBlob(files, config);
  const layers: LayerRecord[] = [];
  for (const item of manifest.layers) {
    const layer = descriptor(files.what, item, 'manifest layer');
    await storeBlob(files, layer);
    layers.push({ digest: layer.digest, mediaType: layer.mediaType ?? 'application/vnd.oci.image.layer.v1.tar', size: layer.size });
  }
  return { configDigest: config.digest, layers };
}

/** Chooses the manifest to run from an index: this host's platform, else the only unlabelled one. */
function pickManifest(what: string, doc: unknown): Descriptor {
  const list = (doc as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(list) || list.length === 0) throw new ImageError(`${what}: the image index lists no manifest`);
  const all = list.map((item) => descriptor(what, item, 'index entry'));
  // BuildKit adds attestation manifests (platform unknown/unknown) beside the real ones.
  const runnable = all.filter((d) => d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  const match = runnable.find((d) => d.platform?.os === PLATFORM.os && d.platform.architecture === PLATFORM.architecture);
  if (match) return match;
  const unlabelled = runnable.filter((d) => d.platform === undefined);
  if (unlabelled.length === 1 && unlabelled[0]) return unlabelled[0];
  const offered = runnable.map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : 'unlabelled')).join(', ');
  throw new ImageError(`${what}: no manifest for ${PLATFORM.os}/${PLATFORM.architecture} in the image index (it has: ${offered})`);
}

function descriptor(what: string, value: unknown, role: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || !isDigest(d.digest) || typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new ImageError(`${what}: malformed ${role} descriptor (needs a sha256 digest and a size)`);
  }
  return d as Descriptor;
}

async function storeBlob(files: ArchiveFiles, d: Descriptor): Promise<void> {
  const info = await files.blob(`blobs/sha256/${digestHex(d.digest)}`, d.digest);
  if (info.size !== d.size) {
    throw new ImageError(`${files.what}: blob ${d.digest} is ${info.size} bytes, its descriptor says ${d.size}`);
  }
}

async function readBlobJson(files: ArchiveFiles, ctx: SourceContext, d: Descriptor): Promise<unknown> {
  await storeBlob(files, d);
  const data = await ctx.blobs.read(d.digest);
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    throw new ImageError(`${files.what}: blob ${d.digest} is not valid JSON`);
  }
}
