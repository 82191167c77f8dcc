import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, ByteSource } from '../image/blob-store.ts';
import { DigestStream } from '../image/digest.ts';
import { InvalidInput, TooLarge } from '../platform/errors.ts';
import type { SubmissionFile } from '../platform/model.ts';
import { tempPath } from '../util/atomic-file.ts';
import { ByteLimit, showBytes } from './byte-limit.ts';
import type { SubmissionIntakeLimits } from './intake-limits.ts';
import { sortManifest } from './manifest.ts';
import { show } from './submission-path.ts';

interface StagedFile {
  size: number;
  digest: string;
  temp: string;
}

/** Where intake keeps work in progress: the blob store's own tmp folder (same filesystem, so renames are atomic). */
export function intakeTmpDir(blobs: BlobStore): string {
  return path.join(blobs.root, 'tmp');
}

/**
 * A submission being received. Files are hashed into temporary files of a private folder under the
 * blob store's tmp; only `commit`, once the whole upload passed every check, renames them into the
 * store. So a refused submission leaves no blob behind, and deleting blobs never races with another
 * submission holding the same content.
 *
 * Paths given here are already normalized (see normalizeSubmissionPath); staging refuses
 * duplicates, a name used both as a file and a folder, and the file-count and unpacked-size limits.
 */
export class SubmissionStaging {
  readonly dir: string;
  readonly #blobs: BlobStore;
  readonly #limits: SubmissionIntakeLimits;
  readonly #files = new Map<string, StagedFile>();
  readonly #folders = new Set<string>();
  #bytes = 0;

  private constructor(blobs: BlobStore, limits: SubmissionIntakeLimits, dir: string) {
    this.#blobs = blobs;
    this.#limits = limits;
    this.dir = dir;
  }

  /** Creates the private staging folder. */
  static async open(blobs: BlobStore, limits: SubmissionIntakeLimits): Promise<SubmissionStaging> {
    const tmp = intakeTmpDir(blobs);
    await mkdir(tmp, { recursive: true });
    const dir = tempPath(tmp, 'intake');
    await mkdir(dir, { mode: 0o700 });
    return new SubmissionStaging(blobs, limits, dir);
  }

  /** Bytes staged so far (all files, unpacked). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records a folder (an archive's directory entry): only checked against files of the same name. */
  addFolder(folder: string): void {
    if (this.#files.has(folder)) this.#conflict(folder);
    this.#claimAncestors(folder);
    this.#folders.add(folder);
  }

  /**
   * Streams one file's content into staging, hashing it. `declaredSize` (from an archive header)
   * lets an oversize entry be refused before any byte is read; the real count is enforced anyway.
   */
  async addFile(file: string, source: ByteSource, opts: { declaredSize?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#files.has(file)) throw new InvalidInput(`refused ${show(file)}: the submission holds this path twice; nothing was stored`, { path: file });
    if (this.#folders.has(file)) this.#conflict(file);
    if (this.#files.size + 1 > this.#limits.maxFiles) {
      throw new TooLarge(`the submission holds more than the ${this.#limits.maxFiles} files allowed; nothing was stored`, { limit: this.#limits.maxFiles });
    }
    this.#claimAncestors(file);
    const remaining = this.#limits.maxUnpackedBytes - this.#bytes;
    if (opts.declaredSize !== undefined && opts.declaredSize > remaining) this.#tooMuch();
    const temp = path.join(this.dir, `f${this.#files.size}`);
    // Reserve the name before streaming, so a refusal mid-file still leaves the folder to discard.
    const staged: StagedFile = { size: 0, digest: '', temp };
    this.#files.set(file, staged);
    const hasher = new DigestStream();
    await pipeline(
      source,
      new ByteLimit(remaining, () => this.#tooMuch()),
      hasher,
      createWriteStream(temp, { flags: 'wx', mode: 0o444 }),
      { signal: opts.signal },
    );
    staged.size = hasher.size;
    staged.digest = hasher.digest;
    this.#bytes += hasher.size;
  }

  /**
   * Moves every staged file into the blob store and returns the manifest, sorted by path.
   * InvalidInput for an empty submission. A blob that is already stored is simply replaced by
   * identical content (same digest), which keeps this free of check-then-act races.
   */
  async commit(): Promise<SubmissionFile[]> {
    if (this.#files.size === 0) throw new InvalidInput('the submission holds no files; nothing was stored');
    const files: SubmissionFile[] = [];
    for (const [file, staged] of this.#files) {
      const final = this.#blobs.path(staged.digest);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(staged.temp, final);
      files.push({ path: file, size: staged.size, digest: staged.digest });
    }
    return sortManifest(files);
  }

  /** Removes the staging folder and whatever it still holds (always call it, after commit too). */
  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  #claimAncestors(file: string): void {
    const segments = file.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (this.#files.has(folder)) this.#conflict(folder);
      this.#folders.add(folder);
    }
  }

  #conflict(name: string): never {
    throw new InvalidInput(`refused ${show(name)}: the submission uses this name both for a file and a folder; nothing was stored`, { path: name });
  }

  #tooMuch(): never {
    const limit = this.#limits.maxUnpackedBytes;
    throw new TooLarge(`the submission's files add up to more than the ${showBytes(limit)} allowed; nothing was stored`, { limit });
  }
}
