// Shared helpers for the intake tests: parts from buffers, tars built with tar-stream, and a look
// at what a blob store holds (complete blobs, leftovers in tmp).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { expect } from 'vitest';
import { BlobStore } from '../../src/image/blob-store.ts';
import type { IncomingPart } from '../../src/intake/receive-submission.ts';

export function filePart(filename: string, data: string | Buffer): IncomingPart {
  return { field: 'file', filename, stream: Readable.from([Buffer.from(data)]) };
}

export function archivePart(data: Buffer, filename = 'upload.bin'): IncomingPart {
  // Several chunks, as a network upload would arrive.
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 64 * 1024) chunks.push(data.subarray(i, i + 64 * 1024));
  return { field: 'archive', filename, stream: Readable.from(chunks) };
}

export async function* partsOf(...parts: IncomingPart[]): AsyncGenerator<IncomingPart> {
  yield* parts;
}

export type TarSpec = Partial<Omit<Header, 'size'>> & Pick<Header, 'name'> & { data?: string | Buffer };

/** A tar (or tar.gz) in memory; headers as given, so links and devices are easy to make. */
export async function buildTar(entries: TarSpec[], gzip = false): Promise<Buffer> {
  const pack = tar.pack();
  for (const { data, ...header } of entries) {
    if (data === undefined) pack.entry(header);
    else pack.entry(header, Buffer.from(data));
  }
  pack.finalize();
  const bytes = await buffer(Readable.from(pack));
  return gzip ? gzipSync(bytes) : bytes;
}

export interface Workdir {
  dir: string;
  blobs: BlobStore;
  cleanup(): Promise<void>;
}

export async function makeWorkdir(): Promise<Workdir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-intake-test-'));
  return { dir, blobs: new BlobStore(path.join(dir, 'store')), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Complete blobs (hex names) and anything under tmp/, recursively. */
export async function storeContents(blobs: BlobStore): Promise<{ blobs: string[]; tmp: string[] }> {
  const list = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    return entries.sort();
  };
  return { blobs: await list(path.join(blobs.root, 'blobs', 'sha256')), tmp: await list(path.join(blobs.root, 'tmp')) };
}

/** Expects a PlatformError with this status and a message matching `message`, and nothing left in the store. */
export async function expectRefused(work: Promise<unknown>, blobs: BlobStore, status: number, message: RegExp): Promise<void> {
  await expect(work).rejects.toMatchObject({ status, message: expect.stringMatching(message) as unknown });
  expect(await storeContents(blobs)).toEqual({ blobs: [], tmp: [] });
}
