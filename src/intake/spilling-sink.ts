import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * The end of a file's pipeline during intake: keeps the bytes in memory while they fit in
 * `memoryBytes`, and past that writes everything (what was held, then the rest) to the file that
 * `openFile` opens, never holding more than `memoryBytes` plus a chunk. Small files, the usual
 * submission, so cost no temporary file at all.
 *
 * After `finish`: `content` is the bytes when they stayed in memory, else undefined and the file
 * holds them (closed).
 */
export class SpillingSink extends Writable {
  readonly #memoryBytes: number;
  readonly #openFile: () => Promise<FileHandle>;
  #chunks: Buffer[] = [];
  #held = 0;
  #file: FileHandle | undefined;
  #spilled = false;

  constructor(memoryBytes: number, openFile: () => Promise<FileHandle>) {
    super();
    this.#memoryBytes = memoryBytes;
    this.#openFile = openFile;
  }

  /** The whole content, when it stayed in memory. */
  get content(): Buffer | undefined {
    return this.#spilled ? undefined : Buffer.concat(this.#chunks, this.#held);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (!this.#spilled && this.#held + chunk.length <= this.#memoryBytes) {
      this.#chunks.push(chunk);
      this.#held += chunk.length;
      done();
      return;
    }
    this.#spill(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    const file = this.#file;
    this.#file = undefined;
    if (file === undefined) done();
    else file.close().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const file = this.#file;
    this.#file = undefined;
    if (file === undefined) done(error);
    else file.close().then(() => done(error), () => done(error));
  }

  async #spill(chunk: Buffer): Promise<void> {
    if (!this.#spilled) {
      this.#spilled = true;
      const file = await this.#openFile();
      if (this.destroyed) {
        // Destroyed (the upload was refused) while the file was being opened: nobody will close it.
        await file.close();
        throw new Error('the upload ended while its file was being opened');
      }
      this.#file = file;
      const held = this.#chunks;
      this.#chunks = [];
      this.#held = 0;
      await writeAll(this.#file, held);
    }
    if (this.#file === undefined) throw new Error('the spill file is closed');
    await writeAll(this.#file, [chunk]);
  }
}

async function writeAll(file: FileHandle, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length;) {
      const { bytesWritten } = await file.write(chunk, offset);
      offset += bytesWritten;
    }
  }
}
