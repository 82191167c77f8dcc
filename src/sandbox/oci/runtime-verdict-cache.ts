import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import type { CgroupLayout } from './cgroups.ts';

/**
 * Remembers, across processes, which OCI runtime proved to work, so each `gradebox` command does
 * not pay for trial containers (~200 ms). The verdict is keyed by everything that could change it:
 * the caller's own parts (what was asked, the verdict's format, what the trials tested), the
 * runtime binaries (path, size, mtime), the boot (a reboot may change kernel and cgroups) and the
 * cgroup hierarchies with their controllers. Only successes are remembered.
 */
export class RuntimeVerdictCache<T> {
  readonly #file: string;

  constructor(stateDir: string) {
    this.#file = join(stateDir, 'runtime-verdict.json');
  }

  async key(own: readonly string[], binaries: (string | undefined)[], cgroups: CgroupLayout): Promise<string> {
    const parts: string[] = [...own, await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'no-boot-id')];
    for (const path of binaries) {
      const info = path ? await stat(path).catch(() => undefined) : undefined;
      parts.push(info ? `${path}:${info.size}:${info.mtimeMs}` : `${path ?? '?'}:missing`);
    }
    for (const h of cgroups.hierarchies) parts.push(`${h.mountPoint}:v${h.version}:${h.controllers.join(',')}`);
    // The parts as they are, not hashed: hashing would load node:crypto for every command.
    return parts.join('\n');
  }

  async get(key: string): Promise<T | undefined> {
    try {
      const saved = JSON.parse(await readFile(this.#file, 'utf8')) as { key?: string; verdict?: T };
      return saved.key === key ? saved.verdict : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, verdict: T): Promise<void> {
    await writeFileAtomic(this.#file, JSON.stringify({ key, verdict }));
  }
}
