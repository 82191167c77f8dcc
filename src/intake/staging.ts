import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
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
import { parentFolders } from '../util/parent-folders.ts';
import { SpillingSink } from './spilling-sink.ts';
import { show } from './submission-path.ts';

interface StagedFile {
  size: number;
  digest: string;
  /** The content, when it stayed in memory. */
  content?: Buffer;
  /** The temporary file holding it (spilled, or written at commit), until it is renamed into the store. */
  temp?: string;
}

/**
 * Bytes of one submission's files held in memory while it is received; the rest go to temporary
 * files. Most submissions are a few small source files: they then cost no temporary file at all.
 */
const MEMORY_BYTES = 1024 * 1024;

/** Where intake keeps work in progress: the blob store's own tmp folder (same filesystem, so renames are atomic). */
export function intakeTmpDir(blobs: BlobStore): string {
  return path.join(blobs.root, 'tmp');
}

/**
 * A submission being received. Files are hashed and held in memory up to MEMORY_BYTES in all, the
 * rest in temporary files of a private folder under the blob store's tmp (made when first needed);
 * only `commit`, once the whole upload passed every check, moves them into the store. So a refused
 * submission leaves no blob behind.
 *
 * Paths given here are already normalized (see normalizeSubmissionPath); staging refuses
 * duplicates, a name used both as a file and a folder, and the file-count and unpacked-size limits.
 */
export class SubmissionStaging {
  readonly #blobs: BlobStore;
  readonly #limits: SubmissionIntakeLimits;
  readonly #files = new Map<string, StagedFile>();
  readonly #folders = new Set<string>();
  #bytes = 0;
  /** Bytes of staged files held in memory. */
  #memory = 0;
  /** The blob store's tmp folder, once made; the private folder in it, once something needed it. */
  #tmp: Promise<string> | undefined;
  #dir: Promise<string> | undefined;

  constructor(blobs: BlobStore, limits: SubmissionIntakeLimits) {
    this.#blobs = blobs;
    this.#limits = limits;
  }

  /** A path for a temporary file `name` in the private staging folder (made on first use). */
  async privatePath(name: string): Promise<string> {
    this.#dir ??= (async () => {
      const dir = tempPath(await this.#tmpDir(), 'intake');
      await mkdir(dir, { mode: 0o700 });
      return dir;
    })();
    return path.join(await this.#dir, name);
  }

  /** The blob store's tmp folder, made once per submission when first needed. */
  #tmpDir(): Promise<string> {
    this.#tmp ??= (async () => {
      const tmp = intakeTmpDir(this.#blobs);
      await mkdir(tmp, { recursive: true });
      return tmp;
    })();
    return this.#tmp;
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
    const staged: StagedFile = { size: 0, digest: '' };
    this.#files.set(file, staged);
    const name = `f${this.#files.size}`;
    const hasher = new DigestStream();
    const sink = new SpillingSink(MEMORY_BYTES - this.#memory, async () => {
      // Noted before the file exists, so that a refusal mid-file still has it discarded.
      staged.temp = await this.privatePath(name);
      return open(staged.temp, 'wx', 0o444);
    });
    await pipeline(source, new ByteLimit(remaining, () => this.#tooMuch()), hasher, sink, { signal: opts.signal });
    staged.size = hasher.size;
    staged.digest = hasher.digest;
    staged.content = sink.content;
    this.#bytes += hasher.size;
    if (staged.content !== undefined) this.#memory += staged.content.length;
  }

  /**
   * Moves every staged file into the blob store and returns the manifest, sorted by path.
   * InvalidInput for an empty submission. Every file reaches the disk before any enters the store,
   * so a full disk refuses the whole submission: a file held in memory is first written to a
   * temporary file, unless its blob is stored already (blobs are never deleted, so that stays
   * true). Temporary files are then renamed over their blobs, replacing a blob stored meanwhile
   * by identical content (same digest).
   */
  async commit(): Promise<SubmissionFile[]> {
    if (this.#files.size === 0) throw new InvalidInput('the submission holds no files; nothing was stored');
    for (const staged of this.#files.values()) {
      if (staged.content === undefined || (await this.#blobs.has(staged.digest))) continue;
      staged.temp = tempPath(await this.#tmpDir(), 'blob');
      await writeFile(staged.temp, staged.content, { flag: 'wx', mode: 0o444 });
    }
    const files: SubmissionFile[] = [];
    for (const [file, staged] of this.#files) {
      if (staged.temp !== undefined) {
        const final = this.#blobs.path(staged.digest);
        await mkdir(path.dirname(final), { recursive: true });
        await rename(staged.temp, final);
        staged.temp = undefined;
      }
      files.push({ path: file, size: staged.size, digest: staged.digest });
    }
    return sortManifest(files);
  }

  /** Removes what staging still holds on disk: temporary files and the private folder (always call it, after commit too). */
  async discard(): Promise<void> {
    for (const staged of this.#files.values()) if (staged.temp !== undefined) await rm(staged.temp, { force: true });
    if (this.#dir === undefined) return;
    const dir = await this.#dir.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  #claimAncestors(file: string): void {
    for (const folder of parentFolders(file)) {
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
