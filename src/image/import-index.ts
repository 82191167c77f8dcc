import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-file.ts';

const MAX_ENTRIES = 1000;

/**
 * Remembers which image an unchanged input (by its source's fingerprint) imported to, so importing
 * the same tarball again costs a stat instead of hashing gigabytes. One small JSON file; concurrent
 * writers may drop each other's newest entry, which only costs a re-import later.
 */
export class ImportIndex {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  /** The image id last imported from an input with this fingerprint, if any. */
  async lookup(fingerprint: string): Promise<string | undefined> {
    return (await this.#load())[fingerprint];
  }

  /** Records that `fingerprint` imported to image `id`, keeping the newest entries only. */
  async remember(fingerprint: string, id: string): Promise<void> {
    const entries = await this.#load();
    delete entries[fingerprint];
    entries[fingerprint] = id;
    const kept = Object.entries(entries).slice(-MAX_ENTRIES);
    await writeFileAtomic(this.#file, `${JSON.stringify(Object.fromEntries(kept), null, 1)}\n`);
  }

  async #load(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.#file, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {}; // missing or torn: the index is only a cache
    }
  }
}

